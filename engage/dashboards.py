"""The home page's Engage panel: the forces in Engage among those the person sees, each
with the date it entered and its improvement plans' progress. Two queries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from recommendations.policy import visible_force_ids

from .selectors import forces_in_engage, progress_by_force


def for_person(user: User) -> dict[str, Any] | None:
    """{"rows": [{"stage", "total", "done", "overdue", "items"}]}; None when no force the
    person sees is in Engage."""
    seen = visible_force_ids(user)
    stages = [s for s in forces_in_engage() if seen is None or s.force_id in seen]
    if not stages:
        return None
    progress = progress_by_force([s.force_id for s in stages])
    empty = {"total": 0, "done": 0, "overdue": 0, "items": 0}
    return {"rows": [{"stage": s, **progress.get(s.force_id, empty)} for s in stages]}
