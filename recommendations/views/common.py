"""What the views share."""

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


def sort_step(current: str, key: str) -> tuple[str, str]:
    """A sortable column's aria-sort state under the current sort, and the sort its link
    asks for next: ascending turns to descending, anything else to ascending."""
    if current == key:
        return "ascending", f"-{key}"
    if current == f"-{key}":
        return "descending", key
    return "none", key
