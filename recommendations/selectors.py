"""Every read of tracked items starts from `items_visible_to(user)`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import ClosureProposal, Status, TimelineEntry, TrackedItem
from .policy import visible_force_ids


def today() -> dt.date:
    return timezone.localdate()


def items_visible_to(user: AbstractBaseUser) -> QuerySet[TrackedItem]:
    """The items a person may see: every force for inspectors and administrators,
    otherwise the forces they are assigned to and the forces of their region."""
    qs = TrackedItem.objects.all()
    force_ids = visible_force_ids(user)
    if force_ids is None:
        return qs
    return qs.filter(force_id__in=force_ids)


def stale_cutoff(on: dt.date | None = None) -> dt.date:
    return (on or today()) - dt.timedelta(days=settings.STALE_AFTER_DAYS)


def stale_q(on: dt.date | None = None) -> Q:
    """The one definition of stale, used by the list filter, dashboards and reminders:
    being progressed, with no timeline entry for more than STALE_AFTER_DAYS."""
    return Q(status_id=Status.BEING_PROGRESSED, last_entry_on__lt=stale_cutoff(on))


def open_q() -> Q:
    return Q(status__is_open=True)


def item_detail(*, user: AbstractBaseUser, pk: int) -> TrackedItem:
    """The item with everything its page shows, in a fixed number of queries; 404 when
    it does not exist or is outside the person's scope."""
    timeline = TimelineEntry.objects.select_related("status", "author").order_by(
        "-date", "-position"
    )
    item = (
        items_visible_to(user)
        .select_related(
            "finding__report",
            "force__region",
            "status",
            "liaison_lead",
            "superseded_by__force",
            "superseded_by__finding",
        )
        .prefetch_related(
            "themes",
            Prefetch("timeline", queryset=timeline, to_attr="entries_newest_first"),
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


def open_proposal(item: TrackedItem) -> ClosureProposal | None:
    proposals = getattr(item, "all_proposals", None)
    if proposals is None:
        return item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    return next((p for p in proposals if p.state == ClosureProposal.State.OPEN), None)
