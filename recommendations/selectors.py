"""Every read of tracked items starts from `items_visible_to(user)`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import (
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from .models import ClosureProposal, Status, TargetDateMove, TimelineEntry, TrackedItem
from .policy import visible_force_ids


def today() -> dt.date:
    return timezone.localdate()


def items_visible_to(user: User) -> QuerySet[TrackedItem]:
    """The items a person may see: every force for inspectors and administrators,
    otherwise the forces they are assigned to and the forces of their region."""
    qs = TrackedItem.objects.all()
    force_ids = visible_force_ids(user)
    if force_ids is None:
        return qs
    return qs.filter(force_id__in=force_ids)


def overdue_q(on: dt.date | None = None) -> Q:
    """The one definition of overdue: open, with a target date before today."""
    return Q(status__is_open=True, target_date__lt=on or today())


def is_overdue(item: TrackedItem, on: dt.date | None = None) -> bool:
    """overdue_q for one item already in memory (its status loaded): open, with a
    target date before today."""
    return overdue_by(item.status.is_open, item.target_date, on or today())


def overdue_by(is_open: bool, target: dt.date | None, on: dt.date) -> bool:
    """overdue_q for an item's plain values (the list's rows are dicts)."""
    return bool(is_open and target and target < on)


def stale_cutoff(on: dt.date | None = None) -> dt.date:
    return (on or today()) - dt.timedelta(days=settings.STALE_AFTER_DAYS)


def is_stale(item: TrackedItem, on: dt.date | None = None) -> bool:
    """stale_q for one item already in memory: being progressed, no entry since the
    cutoff."""
    return stale_by(item.status_id, item.last_entry_on, stale_cutoff(on))


def stale_by(status_id: str, last_entry_on: dt.date, cutoff: dt.date) -> bool:
    """stale_q for an item's plain values, against a cutoff worked out once for a page."""
    return status_id == Status.BEING_PROGRESSED and last_entry_on < cutoff


def stale_q(on: dt.date | None = None) -> Q:
    """The one definition of stale, used by the list filter, dashboards and reminders:
    being progressed, with no timeline entry for more than STALE_AFTER_DAYS."""
    return Q(status_id=Status.BEING_PROGRESSED, last_entry_on__lt=stale_cutoff(on))


def review_cutoff(on: dt.date | None = None) -> dt.date:
    return (on or today()) - dt.timedelta(days=settings.REVIEW_OVERDUE_DAYS)


def review_overdue_q(on: dt.date | None = None) -> Q:
    """The one definition of "review overdue", used by the list filter (`review=overdue`),
    the home pages' counts and tags: awaiting review, and awaiting it (no status entry
    since: the latest status entry set it) for more than REVIEW_OVERDUE_DAYS."""
    since_cutoff = TimelineEntry.objects.filter(
        item_id=OuterRef("pk"), kind=TimelineEntry.Kind.STATUS, date__gte=review_cutoff(on)
    )
    return Q(~Exists(since_cutoff), status_id=Status.AWAITING_REVIEW)


def with_review_since(items: QuerySet[TrackedItem]) -> QuerySet[TrackedItem]:
    """The items, each with `review_since`: the date of its latest status entry (for an
    item awaiting review, since when it has waited), in the same query."""
    latest = (
        TimelineEntry.objects.filter(item_id=OuterRef("pk"), kind=TimelineEntry.Kind.STATUS)
        .order_by("-date", "-position")
        .values("date")[:1]
    )
    return items.annotate(review_since=Subquery(latest))


def review_overdue_days(item: TrackedItem, on: dt.date | None = None) -> int | None:
    """review_overdue_q for an item read `with_review_since`: how many days it has
    awaited review, when that is more than REVIEW_OVERDUE_DAYS; None otherwise."""
    return review_wait_days(item.status_id, getattr(item, "review_since", None), on)


def review_overdue_on_page(
    item: TrackedItem, timeline: list[dict[str, object]], on: dt.date | None = None
) -> int | None:
    """review_overdue_days for an item whose page has its timeline in hand (newest
    first, timeline_newest_first): the wait counts from its latest status entry."""
    latest = next((e for e in timeline if e.get("status_entry")), None)
    since = dt.date.fromisoformat(str(latest["iso"])) if latest else None
    return review_wait_days(item.status_id, since, on)


def review_wait_days(status_id: str, since: dt.date | None, on: dt.date | None) -> int | None:
    """review_overdue_q for an item's status and the date its review wait began: the
    days waited beyond REVIEW_OVERDUE_DAYS, or None (the list's rows, as dicts, ask it
    directly)."""
    if status_id != Status.AWAITING_REVIEW or since is None:
        return None
    days = ((on or today()) - since).days
    return days if days > settings.REVIEW_OVERDUE_DAYS else None


def proposal_open() -> Exists:
    """Whether the item has an open closure proposal (the list's `proposal=open`, the
    "Closure proposed" tag)."""
    return Exists(
        ClosureProposal.objects.filter(item_id=OuterRef("pk"), state=ClosureProposal.State.OPEN)
    )


def recheck_due_q(on: dt.date | None = None) -> Q:
    """The one definition of a re-check due (`recheck=due`, the home pages, reminders):
    a closed item whose re-check date has come."""
    return Q(recheck_on__lte=on or today(), status__is_open=False)


def large_move_q() -> Q:
    """A target-date move that is reported (TargetDateMove rows), by the rule of
    services.items.move_alerts for one move: a date that was set, then moved while the
    item was overdue, taken away, or moved later by more than TARGET_DATE_ALERT_DAYS."""
    alert = dt.timedelta(days=settings.TARGET_DATE_ALERT_DAYS)
    later = ExpressionWrapper(F("old_date") + alert, output_field=DateField())
    return Q(old_date__isnull=False) & (
        Q(was_overdue=True) | Q(new_date__isnull=True) | Q(new_date__gt=later)
    )


def large_moves(force_ids: frozenset[int] | None) -> QuerySet[TargetDateMove]:
    """The large target-date moves of the forces' items (every force for None), newest
    first."""
    moves = TargetDateMove.objects.filter(large_move_q())
    if force_ids is not None:
        moves = moves.filter(item__force_id__in=force_ids)
    return moves.order_by("-moved_at", "-id")


def visible_item(
    *, user: User, pk: int, queryset: QuerySet[TrackedItem] | None = None
) -> TrackedItem:
    """The item if the person may see it (from `queryset`, their visible items by
    default); otherwise 404, and an item that exists outside their scope is logged."""
    item = (queryset if queryset is not None else items_visible_to(user)).filter(pk=pk).first()
    if item is None:
        if TrackedItem.objects.filter(pk=pk).exists():
            from tracker.security import event

            event("access-denied", user=user, item=pk, reason="outside-scope")
        raise Http404("No such item")
    return item


def item_detail(*, user: User, pk: int) -> TrackedItem:
    """The item with everything its page shows, in a fixed number of queries; 404 when
    it does not exist or is outside the person's scope."""
    detail = (
        items_visible_to(user)
        # Few joins: planning a wide join costs more than a couple of lookups by id.
        .select_related("finding__report", "force__region", "status")
        .defer("search")  # the search document: large, and not shown
        .prefetch_related(
            "liaison_lead",
            "superseded_by__force",
            "superseded_by__finding",
            "themes",
            Prefetch(
                "proposals",
                queryset=ClosureProposal.objects.select_related("proposed_by", "decided_by"),
                to_attr="all_proposals",
            ),
            "reminders",
        )
    )
    return visible_item(user=user, pk=pk, queryset=detail)


def item_for_action(*, user: User, pk: int) -> TrackedItem:
    """The item an action is posted to, in one query: its own columns and those its
    action page names (finding, report, force, status), none of the item page's lists
    (themes, reminders, proposals: the service reads the open proposal under its lock).
    404 as `item_detail`."""
    lean = (
        items_visible_to(user).select_related("finding__report", "force", "status").defer("search")
    )
    return visible_item(user=user, pk=pk, queryset=lean)


def timeline_newest_first(item_id: int, *, force_name: str = "") -> list[dict[str, object]]:
    """An item's timeline for its page, newest first, as plain rows (no model instances:
    an item can have hundreds of entries) in three queries whatever its length: the
    entries with their statuses' names, then their authors' roles and scopes
    (forces.selectors.people_described; `force_name` is the item's force, which names a
    liaison lead acting for several forces). Each row says what the entry is
    (`label`: "Status changed from Awaiting review to Being progressed", "Progress
    update", ...), who wrote it in the words people use (`by`), and who can see it."""
    from forces.selectors import people_described

    rows = list(
        TimelineEntry.objects.filter(item_id=item_id)
        .order_by("date", "position")
        .values_list(
            "id",
            "date",
            "kind",
            "event",
            "visibility",
            "status__name",
            "text",
            "author",
            "author_name",
        )
    )
    people = people_described((r[7] for r in rows), force=force_name)
    entries: list[dict[str, object]] = []
    previous = ""
    for pk, day, kind, event, visibility, status, text, author_id, imported_by in rows:
        is_status = kind == TimelineEntry.Kind.STATUS
        if is_status:
            label = (
                f"Status changed from {previous} to {status}"
                if previous and previous != status
                else f"Status set to {status}"
            )
            if event == TimelineEntry.Event.IMPORTED:
                label += " (imported from the portal)"
            previous = status or previous
        else:
            label = str(TimelineEntry.Event(event).label) if event else "Comment"
        entries.append(
            {
                "id": pk,
                "label": label,
                "event": event,
                "by": people.get(author_id)
                or imported_by
                or (
                    "Imported from the portal"
                    if event == TimelineEntry.Event.IMPORTED
                    else "The tracker"
                ),
                "iso": day.isoformat(),
                "status_entry": is_status,
                "date": f"{day.day} {day:%B %Y}",
                "text": "" if is_status else text,
                "visibility": visibility,
                "visibility_label": TimelineEntry.Visibility(visibility).label
                if visibility
                else "",
            }
        )
    entries.reverse()
    return entries


def open_proposal(item: TrackedItem) -> ClosureProposal | None:
    proposals = getattr(item, "all_proposals", None)
    if proposals is None:
        return item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    return next((p for p in proposals if p.state == ClosureProposal.State.OPEN), None)


def timeline_rows(item_id: int, entry_id: int | None = None) -> list[dict[str, object]]:
    """An item's whole timeline (or the one entry `entry_id`), oldest first, as plain
    rows in one query (the API)."""
    entries = TimelineEntry.objects.filter(item_id=item_id)
    if entry_id is not None:
        entries = entries.filter(pk=entry_id)
    rows = entries.order_by("date", "position").values(
        "id",
        "date",
        "position",
        "kind",
        "event",
        "visibility",
        "status_id",
        "text",
        "author__first_name",
        "author__last_name",
        "author__username",
        "author_name",
    )
    return [
        {
            "id": row["id"],
            "date": row["date"],
            "position": row["position"],
            "kind": row["kind"],
            "event": row["event"],
            "visibility": row["visibility"],
            "status": row["status_id"],
            "text": row["text"],
            "author": f"{row['author__first_name'] or ''} {row['author__last_name'] or ''}".strip()
            or row["author__username"]
            or row["author_name"]
            or "Imported",
        }
        for row in rows
    ]
