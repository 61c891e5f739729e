"""What the views share."""

from __future__ import annotations

from tracker.http import AuthenticatedHttpRequest, posted

__all__ = ["AuthenticatedHttpRequest", "posted", "sort_step"]


def sort_step(current: str, key: str) -> tuple[str, str]:
    """A sortable column's aria-sort state under the current sort, and the sort its link
    asks for next: ascending turns to descending, anything else to ascending."""
    if current == key:
        return "ascending", f"-{key}"
    if current == f"-{key}":
        return "descending", key
    return "none", key
