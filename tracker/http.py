"""What every view shares about a request: the signed-in request type (for the type
checker) and the submitted data of a POST."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, QueryDict


class AuthenticatedHttpRequest(HttpRequest):
    """A request for a page behind LoginRequiredMiddleware: its user is signed in. For
    the type checker only; Django builds plain HttpRequests."""

    user: User


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even an empty one; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None
