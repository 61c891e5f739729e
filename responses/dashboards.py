"""The home page's section on PCC responses, for everyone with a scope: responses due
within 14 days and overdue, among the forces whose items the person sees (the
inspector's "PCC responses due"). A PCC office's home shows its own panel instead
(`for_pcc_office`): every response its force owes, with the days left, and its force's
open items at a glance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, Q

from forces.models import Force
from recommendations.models import Status
from recommendations.policy import served_force_ids, visible_force_ids
from recommendations.selectors import items_visible_to, overdue_q, stale_q, today

from .selectors import STATE_LABELS, STATE_TAGS, Outstanding, State, outstanding

DUE_WITHIN_DAYS = 14
ROWS = 25
SECONDS = 60


def for_person(user: User) -> dict[str, Any]:
    """{"due": rows, "due_count", "overdue": rows, "overdue_count", "within"}: four
    queries; for a PCC office {"office": for_pcc_office(user)} instead. The national
    figures are cached for a minute, like the other ones."""
    served = served_force_ids(user)
    if served:
        return {"office": for_pcc_office(user, served)}
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


@dataclass(frozen=True)
class OfficeResponse:
    """One response the PCC office's force owes: the report, its deadline, the days
    left (negative once overdue) and its state."""

    response: Outstanding
    days_left: int
    state: State

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def tag(self) -> str:
        return STATE_TAGS[self.state]


def for_pcc_office(user: User, served: frozenset[int]) -> dict[str, Any]:
    """A PCC office's panel, in six queries: `responses` (overdue first, then due,
    the soonest deadline first; at most ROWS of each), `count` (all of them), and
    `forces` (each served force's open items: open, awaiting review, being progressed,
    overdue and stale, by the list's own definitions, to link to the list)."""
    on = today()
    items = items_visible_to(user).filter(force_id__in=served)
    overdue, overdue_count = outstanding(items, "overdue", on, ROWS)
    due, due_count = outstanding(items, "due", on, ROWS)
    states: tuple[tuple[State, list[Outstanding]], ...] = (("overdue", overdue), ("due", due))
    responses = [
        OfficeResponse(r, r.days_to_due(on), state) for state, rows in states for r in rows
    ]
    counts: dict[int, dict[str, int]] = {
        row["force_id"]: {k: int(v) for k, v in row.items() if k != "force_id"}  # type: ignore[call-overload]  # the counts
        for row in items.values("force_id")
        .annotate(
            open=Count("id", filter=Q(status__is_open=True)),
            awaiting_review=Count("id", filter=Q(status_id=Status.AWAITING_REVIEW)),
            being_progressed=Count("id", filter=Q(status_id=Status.BEING_PROGRESSED)),
            overdue=Count("id", filter=overdue_q(on)),
            stale=Count("id", filter=stale_q(on)),
        )
        .order_by()
    }
    none = dict.fromkeys(("open", "awaiting_review", "being_progressed", "overdue", "stale"), 0)
    forces = [
        {"slug": force.slug, "name": force.name, **counts.get(force.pk, none)}
        for force in Force.objects.filter(pk__in=served).order_by("name")
    ]
    return {"responses": responses, "count": overdue_count + due_count, "forces": forces}
