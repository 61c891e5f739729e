"""The national picture: one finding across the recipients that track it (police forces,
national bodies, PCC offices: every recipient's copy alike), and a report's recipient ×
status matrix with its lagging recipients.

Every read starts from `items_visible_to(user)`: a person sees the copies of their scope
and totals of those copies only; inspectors and administrators see every force. Stale
and overdue are the one definitions in `selectors` (worked out by the database). Each
function runs a fixed number of queries, whatever the number of forces.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404

from forces.models import Force
from forces.selectors import display_name

from .dashboards import completed, counts_by_force_and_status, status_row
from .exports import latest_update
from .models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    Status,
    TimelineEntry,
    TrackedItem,
)
from .policy import sees_all_forces
from .selectors import items_visible_to, overdue_q, stale_q, today

# The finding page's sortable columns: the key in the address, and how a row sorts.
FINDING_SORTS = ("force", "region", "status", "updated", "owner", "target", "proposal")


@dataclass(frozen=True)
class CopyRow:
    """One force's copy of a finding, as its row on the finding page and in the CSV."""

    item_id: int
    portal_id: int | None
    force: str
    force_slug: str
    region: str
    status: Status
    last_update: dt.date
    days_since_update: int
    stale: bool
    overdue: bool
    owner: str
    target_date: dt.date | None
    liaison_lead: str
    proposal: ClosureProposal | None
    reopened: bool = False  # reopened at least once after it was closed
    latest_update: str = ""  # the newest comment's text, public or internal
    first_target_date: dt.date | None = None
    target_date_moves: int = 0
    kind: str = Force.Kind.FORCE  # the recipient's kind (forces.Force.Kind)

    @property
    def kind_label(self) -> str:
        """The words beside a recipient's name: "national body", "PCC office", or nothing
        for a police force."""
        if self.kind == Force.Kind.NATIONAL_BODY:
            return "national body"
        if self.kind == Force.Kind.PCC_OFFICE:
            return "PCC office"
        return ""

    def sort_key(self, key: str) -> tuple[Any, ...]:
        value: Any = {
            "force": self.force,
            "region": self.region,
            "status": self.status.order,
            "updated": self.days_since_update,
            "owner": self.owner.lower(),
            "target": self.target_date or dt.date.max,
            "proposal": self.proposal is None,
        }[key]
        return (value, self.force)


@dataclass
class FindingRollup:
    finding: Finding
    rows: list[CopyRow]
    all_forces: bool  # False: the rows (and totals) are the person's scope only
    counts: list[tuple[Status, int]] = field(default_factory=list)
    total: int = 0
    closed: int = 0
    completion_rate: int | None = None  # per cent closed (complete or no further action)
    median_days_open: float | None = None  # median days since the last update, open copies
    stale: int = 0
    overdue: int = 0
    open_proposals: int = 0
    reopened: int = 0
    # How many copies each kind of recipient has ({kind: n}); police forces only, mostly.
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def beyond_forces(self) -> bool:
        """Whether any copy is a national body's or a PCC office's."""
        return any(kind != Force.Kind.FORCE for kind in self.kinds)


def reopened_q() -> Exists:
    """Reopened at least once after closure: a `reopened` entry on the (append-only)
    timeline, the same rule as the list's `reopened=yes` filter (a test holds them
    together)."""
    return Exists(
        TimelineEntry.objects.filter(item_id=OuterRef("pk"), event=TimelineEntry.Event.REOPENED)
    )


def _copies(user: User) -> QuerySet[TrackedItem]:
    on = today()
    return (
        items_visible_to(user)
        .select_related("force__region", "status", "liaison_lead")
        .defer("search")
        .annotate(
            is_stale=ExpressionWrapper(stale_q(on), output_field=BooleanField()),
            is_overdue=ExpressionWrapper(overdue_q(on), output_field=BooleanField()),
            is_reopened=reopened_q(),
            latest_update=latest_update(),
        )
    )


def finding_rollup(user: User, finding_id: int, sort: str = "force") -> FindingRollup:
    """Every copy of the finding that `user` may see, one row per recipient (a police
    force, a national body or a PCC office), with counts by
    status, the completion rate and the median days since the last update of the open
    copies. 404 when the finding does not exist, or when the person sees none of its
    copies (so a finding outside their scope does not leak). Five queries."""
    finding = Finding.objects.select_related("report").filter(pk=finding_id).first()
    if finding is None:
        raise Http404("No such finding")
    items = list(
        _copies(user)
        .filter(finding_id=finding_id)
        .prefetch_related(
            Prefetch(
                "proposals",
                queryset=ClosureProposal.objects.filter(
                    state=ClosureProposal.State.OPEN
                ).select_related("proposed_by"),
                to_attr="open_proposals",
            )
        )
    )
    all_forces = sees_all_forces(user)
    if not items and not all_forces:
        raise Http404("No such finding")
    on = today()
    rows = [
        CopyRow(
            item_id=i.pk,
            portal_id=i.portal_id,
            force=i.force.name,
            force_slug=i.force.slug,
            region=i.force.region.name,
            status=i.status,
            last_update=i.last_entry_on,
            days_since_update=(on - i.last_entry_on).days,
            stale=bool(i.is_stale),  # type: ignore[attr-defined]  # annotated in _copies
            overdue=bool(i.is_overdue),  # type: ignore[attr-defined]  # annotated in _copies
            owner=i.owner_display,
            target_date=i.target_date,
            liaison_lead=display_name(i.liaison_lead) if i.liaison_lead else "",
            proposal=next(iter(i.open_proposals), None),  # the Prefetch to_attr above
            reopened=bool(i.is_reopened),  # type: ignore[attr-defined]  # annotated in _copies
            latest_update=i.latest_update or "",  # type: ignore[attr-defined]  # annotated in _copies
            first_target_date=i.first_target_date,
            target_date_moves=i.target_date_moves,
            kind=i.force.kind,
        )
        for i in items
    ]
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key not in FINDING_SORTS:
        key, descending = "force", False
    rows.sort(key=lambda r: r.sort_key(key), reverse=descending)
    rollup = FindingRollup(finding=finding, rows=rows, all_forces=all_forces)
    by_status = Counter(r.status.slug for r in rows)
    rollup.counts = [(s, by_status.get(s.slug, 0)) for s in Status.objects.all()]
    rollup.total = len(rows)
    rollup.closed = sum(1 for r in rows if not r.status.is_open)
    rollup.completion_rate = round(100 * rollup.closed / rollup.total) if rows else None
    open_days = [r.days_since_update for r in rows if r.status.is_open]
    rollup.median_days_open = statistics.median(open_days) if open_days else None
    rollup.stale = sum(r.stale for r in rows)
    rollup.overdue = sum(r.overdue for r in rows)
    rollup.open_proposals = sum(r.proposal is not None for r in rows)
    rollup.reopened = sum(r.reopened for r in rows)
    rollup.kinds = dict(Counter(r.kind for r in rows))
    return rollup


@dataclass
class ReportMatrix:
    statuses: list[Status]
    rows: list[dict[str, Any]]  # force, cells [(status, n)], total, rate
    lagging: list[dict[str, Any]]  # force, stale copies, open copies
    all_forces: bool
    reopened: int = 0  # the report's items reopened after closure (each row has its own)
    stale_after_days: int = field(default_factory=lambda: settings.STALE_AFTER_DAYS)


def report_matrix(user: User, report: InspectionReport) -> ReportMatrix:
    """The report's copies the person may see, counted by force and status, and its
    lagging forces: those with open copies not updated within the stale period
    (`selectors.stale_q`), most stale copies first. Three queries."""
    statuses = list(Status.objects.all())
    visible = items_visible_to(user).filter(finding__report=report)
    counts = counts_by_force_and_status(visible)
    # Stale and reopened copies per force, in one query.
    flagged = (
        visible.values("force_id")
        .annotate(
            stale=Count("id", filter=stale_q()),
            reopened=Count("id", filter=Q(reopened_q())),
        )
        .filter(Q(stale__gt=0) | Q(reopened__gt=0))
        .order_by()
    )
    stale = {r["force_id"]: r["stale"] for r in flagged if r["stale"]}
    reopened = {r["force_id"]: r["reopened"] for r in flagged if r["reopened"]}
    forces = Force.objects.filter(id__in=set(counts) | set(stale)).order_by("name")
    rows, lagging = [], []
    for force in forces:
        by_status = counts.get(force.id, {})
        row = status_row(force, by_status, statuses)
        row["reopened"] = reopened.get(force.id, 0)
        rows.append(row)
        if force.id in stale:
            open_ = row["total"] - completed(by_status)
            lagging.append({"force": force, "stale": stale[force.id], "open": open_})
    lagging.sort(key=lambda r: (-r["stale"], r["force"].name))
    return ReportMatrix(
        statuses=statuses,
        rows=rows,
        lagging=lagging,
        all_forces=sees_all_forces(user),
        reopened=sum(reopened.values()),
    )
