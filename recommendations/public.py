"""What the public may read (ADR 0008): the domain's own rule, read by the public site
(`monitoring.selectors`) and by the portal-page format (`portal_format.importing`).

Public: every item of a published report (its finding's texts, force, report, status
and public ID) and its entries marked `public`. Never public: internal entries,
authors, owners, liaison leads, target dates, closure proposals and evidence. Which
entries are public is decided when they are written (`services.common`,
VISIBILITY_OF_EVENT); this module only reads that decision.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import TimelineEntry, TrackedItem

PUBLIC = TimelineEntry.Visibility.PUBLIC


class PublicEntry(TypedDict):
    date: dt.date
    kind: str
    status: str | None
    status_name: str | None
    text: str
    text_cy: str | None  # its Welsh version (TimelineEntryWelsh), if there is one


def public_entries() -> QuerySet[TimelineEntry]:
    """Every public timeline entry."""
    return TimelineEntry.objects.filter(visibility=PUBLIC)


def last_public_update() -> Subquery:
    """The date of an item's newest public entry, as a subquery on OuterRef("pk")."""
    return Subquery(
        public_entries()
        .filter(item_id=OuterRef("pk"))
        .order_by()
        .values("item_id")
        .annotate(last=Max("date"))
        .values("last")[:1]
    )


def public_items() -> QuerySet[TrackedItem]:
    """The items the public may see, with the date of their last public update
    (`last_public_update`). Only public columns are read: the owner, liaison lead and
    target date are deferred and never shown."""
    return (
        TrackedItem.objects.filter(finding__report__published__lte=timezone.localdate())
        .defer(
            "search",
            "owner_name",
            "owner_rank",
            "owner_department",
            "liaison_lead",
            "target_date",
            "superseded_by",
        )
        .annotate(last_public_update=last_public_update())
    )


def public_timeline(item: TrackedItem) -> list[PublicEntry]:
    """The item's public entries, newest first, as plain rows: the date, the status (for
    a status entry) and the text. No author, ever."""
    rows = (
        public_entries()
        .filter(item_id=item.pk)
        .order_by("-date", "-position")
        .values_list("date", "kind", "status_id", "status__name", "text", "welsh__text")
    )
    return [
        PublicEntry(
            date=day, kind=kind, status=status, status_name=name, text=text, text_cy=text_cy
        )
        for day, kind, status, name, text, text_cy in rows
    ]


def public_entries_without_welsh(item: TrackedItem) -> list[TimelineEntry]:
    """The item's public entries with words (comments, and the words published with a
    closure or a reopening) that have no Welsh version yet (issue 30), oldest first:
    what a Welsh force's lead still owes in Welsh (the list's `welsh=missing`)."""
    return list(
        public_entries()
        .filter(item_id=item.pk, welsh__isnull=True)
        .exclude(text="")
        .order_by("date", "position")
    )


def published_entries(item: TrackedItem) -> list[TimelineEntry]:
    """The item's entries a portal page carries: its public ones, oldest first."""
    return list(public_entries().filter(item_id=item.pk).order_by("date", "position"))
