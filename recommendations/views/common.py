"""What the views share."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even an empty one; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None
