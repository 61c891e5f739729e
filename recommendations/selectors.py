"""Every read of tracked items starts from `items_visible_to(user)`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import ClosureProposal, Status, TimelineEntry, TrackedItem
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


def stale_cutoff(on: dt.date | None = None) -> dt.date:
    return (on or today()) - dt.timedelta(days=settings.STALE_AFTER_DAYS)


def stale_q(on: dt.date | None = None) -> Q:
    """The one definition of stale, used by the list filter, dashboards and reminders:
    being progressed, with no timeline entry for more than STALE_AFTER_DAYS."""
    return Q(status_id=Status.BEING_PROGRESSED, last_entry_on__lt=stale_cutoff(on))


def item_detail(*, user: User, pk: int) -> TrackedItem:
    """The item with everything its page shows, in a fixed number of queries; 404 when
    it does not exist or is outside the person's scope."""
    item = (
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
        .filter(pk=pk)
        .first()
    )
    if item is None:
        if TrackedItem.objects.filter(pk=pk).exists():
            from tracker.security import event

            event("access-denied", user=user, item=pk, reason="outside-scope")
        raise Http404("No such item")
    return item


def timeline_newest_first(item_id: int) -> list[dict[str, object]]:
    """An item's timeline for its page, newest first, as plain rows in one query (no
    model instances: an item can have hundreds of entries)."""
    rows = (
        TimelineEntry.objects.filter(item_id=item_id)
        .order_by("-date", "-position")
        .values_list(
            "date",
            "kind",
            "status__name",
            "text",
            "author__first_name",
            "author__last_name",
            "author__username",
            "author_name",
        )
    )
    return [
        {
            "title": f"Status: {status}" if kind == "status" else "Comment",
            "by": f"{first or ''} {last or ''}".strip() or username or imported or "Imported",
            "iso": day.isoformat(),
            "date": f"{day.day} {day:%B %Y}",
            "text": text if kind == "comment" else "",
        }
        for day, kind, status, text, first, last, username, imported in rows
    ]


def open_proposal(item: TrackedItem) -> ClosureProposal | None:
    proposals = getattr(item, "all_proposals", None)
    if proposals is None:
        return item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    return next((p for p in proposals if p.state == ClosureProposal.State.OPEN), None)
