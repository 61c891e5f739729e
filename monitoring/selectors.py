"""The public site's one door to items and entries (ADR 0008).

Every public page, download and data file starts from `public_items()` and reads
timelines only through `public_timeline(item)` (or `last_public_update()`); nothing else
in this app reads items or entries. What is public is the domain's rule, decided in
`recommendations.public` (every item of a published report and its entries marked
`public`; never internal entries, authors, owners, liaison leads, target dates, closure
proposals or evidence): this module reads it from there and adds nothing.
"""

from __future__ import annotations

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
]
