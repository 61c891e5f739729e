"""The effectiveness re-check of a closed item (issue 26): when the authorising chief of
staff set a re-check date (`recheck_on`), a liaison lead (for their forces), an inspector
or an administrator later records that the closure was confirmed effective. The other
outcome, the problem found still present, is reopening (`closure.item_reopen`)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from forces.selectors import display_name
from tracker.humanise import long_date

from ..models import TimelineEntry, TrackedItem
from ..policy import Action
from ..signals import Change
from .common import announce, append_note, audit, clean_text, lock_item, require, save_item


@transaction.atomic
def recheck_confirm(*, item: TrackedItem, by: User, note: str) -> TrackedItem:
    """Record the re-check as confirmed: the closure worked. `note` says how it was
    checked. The re-check date is cleared (the item is no longer due one), an internal
    comment on the timeline says the closure was confirmed effective, and the history
    and the security log record it. Raises NoRecheck for an item with no re-check date,
    InvalidTransition for an item no longer closed."""
    note = clean_text(note, field="reason", label="how the re-check confirmed the closure")
    item = lock_item(item)
    require(by, Action.RECORD_RECHECK, item)
    due = item.recheck_on
    assert due is not None  # require refuses an item without a re-check date
    entry = append_note(
        item,
        by=by,
        text=(
            f"Effectiveness re-check (due {long_date(due)}) recorded by "
            f"{display_name(by)}: the closure was confirmed effective. {note}"
        ),
        event=TimelineEntry.Event.COMMENT,
        visibility=TimelineEntry.Visibility.INTERNAL,
    )
    item.recheck_on = None
    save_item(item, by=by, reason=f"Re-check due {due.isoformat()} recorded: confirmed effective")
    audit("item-recheck-confirmed", by=by, item=item.pk, due=due.isoformat())
    announce(item, Change.ENTRY_ADDED, entries=[entry])
    return item
