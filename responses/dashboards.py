"""The home page's section on PCC responses, for everyone with a scope: responses due
within 14 days and overdue, among the forces whose items the person sees."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.cache import cache

from recommendations.policy import visible_force_ids
from recommendations.selectors import items_visible_to, today

from .selectors import outstanding

DUE_WITHIN_DAYS = 14
ROWS = 25
SECONDS = 60


def for_person(user: User) -> dict[str, Any]:
    """{"due": rows, "due_count", "overdue": rows, "overdue_count", "within"}: four
    queries. The national figures are cached for a minute, like the other ones."""
    force_ids = visible_force_ids(user)
    on = today()
    scope = "all" if force_ids is None else ",".join(map(str, sorted(force_ids)))
    key = f"dashboard:pcc:{on.isoformat()}:" + hashlib.sha256(scope.encode()).hexdigest()[:16]

    def compute() -> dict[str, Any]:
        items = items_visible_to(user)
        due, due_count = outstanding(items, "due", on, ROWS, within_days=DUE_WITHIN_DAYS)
        overdue, overdue_count = outstanding(items, "overdue", on, ROWS)
        return {
            "due": [(r, r.days_to_due(on)) for r in due],
            "due_count": due_count,
            "overdue": [(r, -r.days_to_due(on)) for r in overdue],
            "overdue_count": overdue_count,
            "within": DUE_WITHIN_DAYS,
        }

    if force_ids is not None:  # a force's or region's: small, and fresh after a change
        return compute()
    return cast("dict[str, Any]", cache.get_or_set(key, compute, SECONDS))
