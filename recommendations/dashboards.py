"""Read models for each role's home page; each is a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Window

from forces.models import Force

from . import counts as item_counts
from .models import ClosureProposal, InspectionReport, Status, TrackedItem
from .policy import sees_all_forces, served_force_ids, visible_force_ids
from .selectors import (
    is_overdue,
    items_visible_to,
    large_moves,
    overdue_q,
    proposal_open,
    recheck_due_q,
    review_overdue_days,
    review_overdue_q,
    stale_by,
    stale_cutoff,
    stale_q,
    today,
    with_review_since,
)

LIST_RELATED = ("force", "finding__report", "status")
SUMMARY_SECONDS = 60
T = TypeVar("T")


def _cached(name: str, force_ids: frozenset[int] | None, compute: Callable[[], T]) -> T:
    """National aggregates over every item are cached for a minute, per scope: the
    figures may be up to a minute old, which the page says."""
    scope = "all" if force_ids is None else ",".join(map(str, sorted(force_ids)))
    key = "dashboard:" + name + ":" + hashlib.sha256(scope.encode()).hexdigest()[:16]
    return cast("T", cache.get_or_set(key, compute, SUMMARY_SECONDS))


AGE_BUCKETS = [
    (0, 3, "Under 3 months"),
    (3, 6, "3 to 6 months"),
    (6, 12, "6 to 12 months"),
    (12, None, "Over a year"),
]


def _rows(qs: Any, limit: int = 25) -> dict[str, Any]:
    """A table's rows, (item, overdue) for the first `limit`, and how many there are in
    all: the rows in one query (read in the order's index, `limit` of them), the count
    in a second (always: a page's queries stay the same in number). Each item also carries its other
    ageing tags' facts, read by the same query: `stale` (selectors.stale_q for an item
    in memory), `proposed` (an open closure proposal) and `review_overdue` (days
    awaiting review beyond REVIEW_OVERDUE_DAYS, or None). One query with the count as a
    window over every matching row worked out every row's facts first: an officer's
    three tables took 131-163 ms at a million items, and 49-63 ms so (issue 29)."""
    on = today()
    cutoff = stale_cutoff(on)
    items: list[Any] = list(
        with_review_since(qs.select_related(*LIST_RELATED)).annotate(proposed=proposal_open())[
            :limit
        ]
    )
    count = qs.order_by().count()
    for i in items:
        i.stale = stale_by(i.status_id, i.last_entry_on, cutoff)
        i.review_overdue = review_overdue_days(i, on)
    return {"rows": [(i, is_overdue(i, on)) for i in items], "count": count}


def summary(user: User) -> dict[str, int]:
    """The person's open items by the list's own rules: each count is what the list
    shows for the same filter (open, awaiting review, being progressed, overdue=1,
    stale=yes, review=overdue, recheck=due). The first three are the counts table's
    (recommendations.counts, kept by the database); each of the four that depend on
    today's date is a count of the same queryset and definition the list uses
    (selectors.overdue_q, stale_q, review_overdue_q, recheck_due_q), each answered from
    an index range (item_status_target, item_status_last_entry or item_force_status,
    timeline_status_date, item_recheck_on) rather than one pass over every item in the
    scope, which at 100,000 items took 285 ms (issue 29)."""
    on = today()
    force_ids = visible_force_ids(user)

    def compute() -> dict[str, int]:
        by_status = item_counts.by_status(force_ids)
        open_slugs = Status.objects.filter(is_open=True).values_list("slug", flat=True)
        visible = items_visible_to(user).order_by()
        return {
            "open": sum(by_status.get(slug, 0) for slug in open_slugs),
            "awaiting_review": by_status.get(Status.AWAITING_REVIEW, 0),
            "being_progressed": by_status.get(Status.BEING_PROGRESSED, 0),
            "overdue": visible.filter(overdue_q(on)).count(),
            "stale": visible.filter(stale_q(on)).count(),
            "review_overdue": visible.filter(review_overdue_q(on)).count(),
            "recheck_due": visible.filter(recheck_due_q(on)).count(),
        }

    if force_ids is None:  # national figures: cached for a minute, as the matrix
        return _cached("summary", None, compute)
    return compute()


def for_liaison_officer(user: User) -> dict[str, Any]:
    # A PCC office reads its police force's items but updates only its own office's.
    mine = (
        items_visible_to(user)
        .filter(status__is_open=True)
        .exclude(force_id__in=served_force_ids(user))
        .order_by("last_entry_on", "id")
    )
    return {
        "attention": _rows(mine.filter(stale_q() | overdue_q())),
        "awaiting_update": _rows(mine.filter(status_id=Status.BEING_PROGRESSED)),
        "awaiting_review": _rows(mine.filter(status_id=Status.AWAITING_REVIEW)),
    }


def for_liaison_lead(user: User) -> dict[str, Any]:
    mine = items_visible_to(user)
    returned = (
        ClosureProposal.objects.filter(
            proposed_by=user,
            state=ClosureProposal.State.RETURNED,
            item__status_id=Status.BEING_PROGRESSED,
        )
        .exclude(item__proposals__state=ClosureProposal.State.OPEN)
        .select_related("item__force", "item__finding__report", "decided_by")
        .order_by("-decided_at")[:25]
    )
    # An item is the lead's to review when it is theirs, or nobody's, in their forces
    # (another lead's items are that lead's), as for the stale items.
    theirs = mine.filter(Q(liaison_lead=user) | Q(liaison_lead__isnull=True))
    proposals = (
        ClosureProposal.objects.filter(proposed_by=user, state=ClosureProposal.State.OPEN)
        .select_related("item__force", "item__finding__report")
        .order_by("proposed_at", "id")
    )
    return {
        "awaiting_review": _rows(
            theirs.filter(status_id=Status.AWAITING_REVIEW).order_by("last_entry_on", "id")
        ),
        "proposals": list(proposals[:50]),
        "returned": list(returned),
        "stale": _rows(theirs.filter(stale_q()).order_by("last_entry_on", "id")),
        "recheck": _rows(theirs.filter(recheck_due_q()).order_by("recheck_on", "id")),
        "review_days": settings.REVIEW_OVERDUE_DAYS,
    }


def status_matrix(force_ids: frozenset[int] | None) -> dict[str, Any]:
    """Counts of items per force and status, with totals and completion rates: a row for
    every police force, and for each other recipient (a national body, a PCC office) that
    has items."""
    statuses = list(Status.objects.all())
    forces = Force.objects.select_related("region").order_by("name")
    if force_ids is not None:
        forces = forces.filter(id__in=force_ids)
    # From the counts table (recommendations.counts, ADR 0019): no scan of items.
    counts = item_counts.by_force_and_status(force_ids)
    forces = forces.filter(Q(kind=Force.Kind.FORCE) | Q(id__in=sorted(counts)))
    rows = [status_row(force, counts.get(force.id, {}), statuses) for force in forces]
    return {"statuses": statuses, "rows": rows}


def counts_by_force_and_status(items: QuerySet[TrackedItem]) -> dict[int, dict[str, int]]:
    """{force id: {status slug: how many of `items`}}, in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in items.values("force_id", "status_id").annotate(n=Count("id")).order_by():
        counts[row["force_id"]][row["status_id"]] = row["n"]
    return counts


def completed(by_status: dict[str, int]) -> int:
    """How many of a force's counted items are complete or need no further action."""
    return by_status.get(Status.COMPLETE, 0) + by_status.get(Status.NO_FURTHER_ACTION, 0)


def status_row(force: Force, by_status: dict[str, int], statuses: list[Status]) -> dict[str, Any]:
    """A force's row of a status matrix: a cell for each status, the total and the
    completion rate (None when the force has no items)."""
    total = sum(by_status.values())
    return {
        "force": force,
        "cells": [(s, by_status.get(s.slug, 0)) for s in statuses],
        "total": total,
        "rate": round(100 * completed(by_status) / total) if total else None,
    }


def ageing(force_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """Open items by months since their last timeline entry. The buckets of the last
    year are counted from the index of status and last entry (item_status_last_entry,
    a range per open status); the oldest is the open items (the counts table) less
    every item updated within the year, so the page reads the year's entries of the
    index, not every open item (issue 29)."""
    on = today()
    open_slugs = list(Status.objects.filter(is_open=True).values_list("slug", flat=True))
    year_ago = _months_ago(on, 12)
    qs = TrackedItem.objects.filter(status_id__in=open_slugs, last_entry_on__gt=year_ago)
    if force_ids is not None:
        qs = qs.filter(force_id__in=force_ids)
    aggregates = {"within_year": Count("id")}
    for index, (low, high, _) in enumerate(AGE_BUCKETS):
        if high is None or high > 12:
            continue
        cond = Q(last_entry_on__lte=_months_ago(on, low), last_entry_on__gt=_months_ago(on, high))
        aggregates[f"bucket{index}"] = Count("id", filter=cond)
    result = qs.order_by().aggregate(**aggregates)
    by_status = item_counts.by_status(force_ids)
    open_items = sum(by_status.get(slug, 0) for slug in open_slugs)
    result[f"bucket{len(AGE_BUCKETS) - 1}"] = open_items - result.pop("within_year")
    biggest = max(result.values(), default=0) or 1
    return [
        {
            "label": label,
            "count": result[f"bucket{i}"],
            "width": round(100 * result[f"bucket{i}"] / biggest),
        }
        for i, (_, _, label) in enumerate(AGE_BUCKETS)
    ]


def national_bodies(force_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """Every national body in the scope (College of Policing, NPCC, ...) with its open and
    overdue items (the list's own definitions), by name, in four small queries: the
    inspector's home lists them, each linked to the list filtered to it (the list's
    `force` filter takes a national body's slug)."""
    found = Force.objects.filter(kind=Force.Kind.NATIONAL_BODY).order_by("name")
    if force_ids is not None:
        found = found.filter(id__in=force_ids)
    bodies = list(found)
    ids = [b.pk for b in bodies]
    # Open from the counts table; overdue from the bodies' items by their force's index.
    open_slugs = set(Status.objects.filter(is_open=True).values_list("slug", flat=True))
    counts: dict[int, dict[str, int]] = {
        force_id: {"open": sum(n for slug, n in by.items() if slug in open_slugs)}
        for force_id, by in item_counts.by_force_and_status(ids).items()
    }
    overdue = (
        TrackedItem.objects.filter(overdue_q(), force_id__in=ids)
        .values_list("force_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for force_id, n in overdue:
        counts.setdefault(force_id, {})["overdue"] = n
    return [
        {
            "name": b.name,
            "slug": b.slug,
            "open": counts.get(b.pk, {}).get("open", 0),
            "overdue": counts.get(b.pk, {}).get("overdue", 0),
        }
        for b in bodies
    ]


def _months_ago(on: dt.date, months: int) -> dt.date:
    return on - dt.timedelta(days=round(months * 30.44))


COMPLETION_REPORTS = 20


def completion_by_report(force_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """The newest reports with items in the scope, each with how many of those items
    are closed, from the counts table by report (a join of every report's findings and
    items took 85 ms at 100,000 items; issue 29). Reports are read newest first, 50 at
    a time, until 20 have items; for a scoped person only the scope's reports."""
    closed = set(Status.objects.filter(is_open=False).values_list("slug", flat=True))
    reports = InspectionReport.objects.order_by("-published", "-id")
    if force_ids is not None:
        reports = reports.filter(pk__in=item_counts.report_ids_with_items(force_ids))
    found: list[dict[str, Any]] = []
    start = 0
    while len(found) < COMPLETION_REPORTS:
        chunk = list(reports[start : start + 50])
        if not chunk:
            break
        start += len(chunk)
        by_report = item_counts.by_report_and_status([r.pk for r in chunk], force_ids)
        for report in chunk:
            by_status = by_report.get(report.pk, {})
            total = sum(by_status.values())
            if not total:
                continue
            done = sum(n for slug, n in by_status.items() if slug in closed)
            found.append(
                {"report": report, "total": total, "done": done, "rate": round(100 * done / total)}
            )
            if len(found) == COMPLETION_REPORTS:
                break
    return found


def for_chief_of_staff(user: User) -> dict[str, Any]:
    force_ids = visible_force_ids(user)
    proposals = (
        ClosureProposal.objects.filter(state=ClosureProposal.State.OPEN)
        .select_related("item__force", "item__finding__report", "proposed_by")
        .order_by("proposed_at", "id")
    )
    if force_ids is not None:
        proposals = proposals.filter(item__force_id__in=force_ids)
    return {
        "proposals": list(proposals[:50]),
        "moves": recent_large_moves(force_ids),
        "matrix": _cached("matrix", force_ids, lambda: status_matrix(force_ids)),
    }


RECENT_MOVE_DAYS = 90


def recent_large_moves(force_ids: frozenset[int] | None, limit: int = 25) -> dict[str, Any]:
    """The large target-date moves (selectors.large_move_q) of the forces' items in the
    last RECENT_MOVE_DAYS, newest first: the first `limit` with their items, and how
    many there are, in one query."""
    since = today() - dt.timedelta(days=RECENT_MOVE_DAYS)
    moves = list(
        large_moves(force_ids)
        .filter(moved_at__date__gte=since)
        .select_related("item__force", "item__finding__report", "moved_by")
        .annotate(total=Window(Count("id")))[:limit]
    )
    return {
        "rows": moves,
        "count": moves[0].total if moves else 0,
        "days": RECENT_MOVE_DAYS,
        "alert_days": settings.TARGET_DATE_ALERT_DAYS,
    }


def for_inspector(user: User) -> dict[str, Any]:
    force_ids = None if sees_all_forces(user) else visible_force_ids(user)
    visible = items_visible_to(user)
    return {
        "recheck": _rows(visible.filter(recheck_due_q()).order_by("recheck_on", "id")),
        "review_days": settings.REVIEW_OVERDUE_DAYS,
        "matrix": _cached("matrix", force_ids, lambda: status_matrix(force_ids)),
        "national_bodies": _cached("national", force_ids, lambda: national_bodies(force_ids)),
        "ageing": _cached("ageing", force_ids, lambda: ageing(force_ids)),
        "by_report": _cached("by-report", force_ids, lambda: completion_by_report(force_ids)),
    }
