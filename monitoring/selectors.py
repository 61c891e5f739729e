"""The public site's one door to items and entries (ADR 0008).

Every public page, download and data file starts from `public_items()` and reads
timelines only through `public_timeline(item)` (or `last_public_update()`); nothing else
in this app reads items or entries. What is public is the domain's rule, decided in
`recommendations.public` (every item of a published report and its entries marked
`public`; never internal entries, authors, owners, liaison leads, target dates, closure
proposals or evidence): this module reads it from there and adds nothing.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from forces.models import Force
from recommendations.public import (
    PUBLIC,
    PublicEntry,
    last_public_update,
    public_entries,
    public_items,
    public_timeline,
)

__all__ = [
    "PUBLIC",
    "PublicEntry",
    "last_public_update",
    "public_entries",
    "public_items",
    "public_timeline",
    "public_recipients",
]


def public_recipients() -> QuerySet[Force]:
    """The recipients the public site names (its filter, index and sitemap): every police
    force and national body, and a PCC office only once it has public items."""
    has_public = Exists(public_items().filter(force_id=OuterRef("pk")))
    return Force.objects.filter(
        Q(kind__in=[Force.Kind.FORCE, Force.Kind.NATIONAL_BODY])
        | Q(has_public, kind=Force.Kind.PCC_OFFICE)
    )
