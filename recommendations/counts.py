"""How many items there are, without scanning the items (issue 29, ADR 0019).

On PostgreSQL the counts come from `recommendations_itemcount` (migration 0022): the
number of items per recipient (force) × status × report, kept by triggers on the items'
table in the same transaction as every change, whichever door it came through, and from
its sum over reports, `recommendations_itemcount_force` (a few hundred rows: a count by
status over a whole scope reads at most that many). The first has about one row for
every two or three items, so it is read only for a report (by its index on report_id)
or a scope's reports (by its primary key, which starts with the force).

The table answers a question about the person's scope narrowed by status, report, force
or region only (`table_answers`). Any other filter (a text search, stale, overdue, an
owner...) is counted from the items, bounded: up to `BOUND` rows are read, and a larger
result says "more than 10,000", with the exact number one click away (`?count=exact`).

On SQLite (the `make run` demo, a few dozen items) there is no table and no trigger:
the same answers are counted from the items with a GROUP BY.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, QuerySet

from .models import TrackedItem

BOUND = 10_000
TABLE = "recommendations_itemcount"
FORCE_TABLE = "recommendations_itemcount_force"  # summed over reports: a few hundred rows

# The filters the counts table can answer: the rest need the items themselves.
TABLE_FILTERS = frozenset({"status", "report", "force", "region", "sort"})


def has_table() -> bool:
    """Whether the counts table exists here (PostgreSQL, migration 0022)."""
    return connection.vendor == "postgresql"


def table_answers(cleaned: dict[str, object]) -> bool:
    """Whether a filter's cleaned values ask only what the counts table knows: nothing
    but status, report, force, region (and the sort, which counts ignore)."""
    return has_table() and all(
        name in TABLE_FILTERS for name, value in cleaned.items() if value not in (None, "", [])
    )


def _where(
    force_ids: Iterable[int] | None, report_ids: Iterable[int] | None
) -> tuple[str, list[list[int]]]:
    clauses, params = ["n <> 0"], []
    if force_ids is not None:
        clauses.append("force_id = ANY(%s)")
        params.append(sorted(force_ids))
    if report_ids is not None:
        clauses.append("report_id = ANY(%s)")
        params.append(sorted(report_ids))
    return " AND ".join(clauses), params


def by_status(
    force_ids: Iterable[int] | None = None, report_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """How many items of these forces (every force for None) and reports (every
    report for None) are in each status."""
    if not has_table():
        items = TrackedItem.objects.all()
        if force_ids is not None:
            items = items.filter(force_id__in=list(force_ids))
        if report_ids is not None:
            items = items.filter(finding__report_id__in=list(report_ids))
        rows = items.order_by().values_list("status_id").annotate(n=Count("id"))
        return {status: n for status, n in rows.values_list("status_id", "n")}
    where, params = _where(force_ids, report_ids)
    table = TABLE if report_ids is not None else FORCE_TABLE
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status_id, sum(n) FROM {table} WHERE {where} GROUP BY status_id",  # noqa: S608  # nosec B608  # fixed text, values as %s
            params,
        )
        return {status: int(n) for status, n in cursor.fetchall()}


def by_force_and_status(force_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """How many items of each force (of `force_ids`, every force for None) are in each
    status: the dashboards' matrices."""
    found: dict[int, dict[str, int]] = {}
    if not has_table():
        items = TrackedItem.objects.all()
        if force_ids is not None:
            items = items.filter(force_id__in=list(force_ids))
        rows = items.order_by().values_list("force_id", "status_id").annotate(n=Count("id"))
        for force_id, status, n in rows.values_list("force_id", "status_id", "n"):
            found.setdefault(force_id, {})[status] = n
        return found
    where, params = _where(force_ids, None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT force_id, status_id, sum(n) FROM {FORCE_TABLE} WHERE {where} "  # noqa: S608  # nosec B608  # fixed text, values as %s
            "GROUP BY force_id, status_id",
            params,
        )
        for force_id, status, n in cursor.fetchall():
            found.setdefault(force_id, {})[status] = int(n)
    return found


def by_report_and_status(
    report_ids: Iterable[int], force_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """How many items of each of these reports (of these forces, every force for None)
    are in each status: the home page's completion by report, read by the reports'
    index of the counts table."""
    found: dict[int, dict[str, int]] = {}
    report_ids = list(report_ids)
    if not has_table():
        items = TrackedItem.objects.filter(finding__report_id__in=report_ids)
        if force_ids is not None:
            items = items.filter(force_id__in=list(force_ids))
        rows = (
            items.order_by()
            .values_list("finding__report_id", "status_id")
            .annotate(n=Count("id"))
            .values_list("finding__report_id", "status_id", "n")
        )
        for report_id, status, n in rows:
            found.setdefault(report_id, {})[status] = n
        return found
    where, params = _where(force_ids, report_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT report_id, status_id, sum(n) FROM {TABLE} WHERE {where} "  # noqa: S608  # nosec B608  # fixed text, values as %s
            "GROUP BY report_id, status_id",
            params,
        )
        for report_id, status, n in cursor.fetchall():
            found.setdefault(report_id, {})[status] = int(n)
    return found


def report_ids_with_items(force_ids: Iterable[int] | None) -> list[int]:
    """The reports that have items in these forces (every force for None): the report
    filter's options for a person of a few forces."""
    if not has_table():
        items = TrackedItem.objects.all()
        if force_ids is not None:
            items = items.filter(force_id__in=list(force_ids))
        return sorted(set(items.values_list("finding__report_id", flat=True)))
    where, params = _where(force_ids, None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT report_id FROM {TABLE} WHERE {where} ORDER BY 1",  # noqa: S608  # nosec B608  # fixed text, values as %s
            params,
        )
        return [r for (r,) in cursor.fetchall()]


def grouped_from_items() -> dict[tuple[int, str, int], int]:
    """The counts worked out from the items themselves (a full scan): what the table
    must always equal. For the tests and for `check`ing a database by hand."""
    rows = (
        TrackedItem.objects.order_by()
        .values_list("force_id", "status_id", "finding__report_id")
        .annotate(n=Count("id"))
    )
    return {(f, s, r): n for f, s, r, n in rows}


def from_force_table() -> dict[tuple[int, str], int]:
    """The counts summed over reports (their own table), non-zero rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT force_id, status_id, n FROM {FORCE_TABLE} WHERE n <> 0")  # noqa: S608  # nosec B608  # fixed text
        return {(f, s): int(n) for f, s, n in cursor.fetchall()}


def from_table() -> dict[tuple[int, str, int], int]:
    """The counts table's non-zero rows, as `grouped_from_items` gives them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT force_id, status_id, report_id, n FROM {TABLE} WHERE n <> 0")  # noqa: S608  # nosec B608  # fixed text
        return {(f, s, r): int(n) for f, s, r, n in cursor.fetchall()}


@dataclass(frozen=True)
class Bounded:
    """A count from the items that stopped at BOUND: `by_status` is exact when `exact`;
    otherwise there are more than `BOUND` items and only the total's bound is known."""

    by_status: dict[str, int]
    exact: bool

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def bounded_by_status(qs: QuerySet[TrackedItem], *, limit: int | None = BOUND) -> Bounded:
    """The filtered rows' count per status, reading at most `limit` + 1 rows (every row
    for None): exact when there are `limit` or fewer."""
    rows = qs.order_by().prefetch_related(None).values_list("status_id", flat=True)
    if limit is None:
        grouped = rows.annotate(n=Count("id")).values_list("status_id", "n")
        return Bounded({status: n for status, n in grouped}, exact=True)
    statuses = list(rows[: limit + 1])
    if len(statuses) > limit:
        return Bounded({}, exact=False)
    found: dict[str, int] = {}
    for status in statuses:
        found[status] = found.get(status, 0) + 1
    return Bounded(found, exact=True)
