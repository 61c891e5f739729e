"""Changes to one item: comments and progress updates, owner and target date, review
moves, no further action, and its liaison lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from forces.models import Force
from forces.selectors import display_name, liaison_leads_of

from .. import errors, policy
from ..hooks import AttachedFile
from ..models import (
    DERIVED_FIELDS,
    Status,
    TargetDateMove,
    TimelineEntry,
    TimelineEntryWelsh,
    TrackedItem,
)
from ..policy import Action
from ..selectors import items_visible_to, today
from ..signals import Change
from .common import (
    NewEntry,
    announce,
    append_entries,
    append_note,
    attach_evidence,
    audit,
    check_date,
    check_not_too_early,
    clean_line,
    clean_text,
    history_user,
    lock_item,
    note,
    require,
    save_item,
    send_task,
)


@transaction.atomic
def comment_add(
    *,
    item: TrackedItem,
    by: User,
    text: str,
    on: dt.date | None = None,
    action: Action = Action.COMMENT,
    visibility: str = "",
    files: Sequence[AttachedFile] = (),
    marking: str = "OFFICIAL",
    text_cy: str = "",
) -> TimelineEntry:
    """A comment (liaison lead) or a progress update (liaison officer, action
    Action.PROGRESS_UPDATE). A comment's writer chooses its `visibility` (public or
    internal) each time; a progress update is internal. Raises NotPermitted, FutureDate
    or DomainError for bad text or a missing visibility. Evidence `files` (checked by
    evidence.checks) are stored on the entry with their `marking`, or nothing is kept."""
    text = clean_text(
        text,
        field="text",
        label="the comment" if action == Action.COMMENT else "the progress update",
    )
    on = check_date(on or today())
    item = lock_item(item)
    require(by, action, item)
    progress = action == Action.PROGRESS_UPDATE
    if not progress and visibility not in TimelineEntry.Visibility.values:
        raise errors.DomainError(
            "Choose whether the public will see this comment", field="visibility"
        )
    [entry] = append_entries(
        item,
        [
            NewEntry(
                kind=TimelineEntry.Kind.COMMENT,
                on=on,
                by=by,
                text=text,
                event=TimelineEntry.Event.PROGRESS_UPDATE
                if progress
                else TimelineEntry.Event.COMMENT,
                visibility=visibility,
            )
        ],
    )
    attach_evidence(item=item, entry=entry, by=by, files=files, marking=marking)
    if text_cy.strip() and entry.visibility == TimelineEntry.Visibility.PUBLIC:
        # Its Welsh version (issue 30), live with it: the same transaction.
        TimelineEntryWelsh.objects.create(
            entry=entry, text=clean_text(text_cy, field="text_cy", label="the Welsh"), added_by=by
        )
    save_item(
        item,
        by=by,
        reason="Progress update added" if action == Action.PROGRESS_UPDATE else "Comment added",
    )
    announce(item, Change.ENTRY_ADDED, entries=[entry])
    return entry


@transaction.atomic
def entry_welsh_add(*, item: TrackedItem, by: User, entry_id: int, text: str) -> TimelineEntryWelsh:
    """The Welsh version of one of the item's public entries that has none yet (issue
    30: a Welsh force's update published before its translation, or imported). The
    entry itself is append-only, so its Welsh is a row beside it, itself append-only;
    it goes live when this commits (monitoring.signals). Raises NotPermitted, or
    DomainError for bad text or an entry that is not such a one."""
    text = clean_text(text, field="text", label="the Welsh")
    item = lock_item(item)
    require(by, Action.ADD_WELSH, item)
    entry = (
        TimelineEntry.objects.filter(
            pk=entry_id,
            item_id=item.pk,
            visibility=TimelineEntry.Visibility.PUBLIC,
            welsh__isnull=True,
        )
        .exclude(text="")
        .first()
    )
    if entry is None:
        raise errors.DomainError(
            "Choose a public update of this item that has no Welsh yet", field="entry"
        )
    welsh = TimelineEntryWelsh.objects.create(entry=entry, text=text, added_by=by)
    save_item(item, by=by, reason="Welsh added to a public update")
    return welsh


OWNER_LABELS = {
    "owner_name": "the owner's name",
    "owner_rank": "the owner's rank or title",
    "owner_department": "the owner's department",
}


def _max_length(field: str) -> int:
    return getattr(TrackedItem._meta.get_field(field), "max_length", None) or 200


# How an owner and target date entry says the item was overdue when its date moved (the
# history page reads it: recommendations.history).
MOVED_WHEN_OVERDUE = "when the item was overdue"
REASON_PREFIX = "Reason: "


def _day(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def _sentence(text: str) -> str:
    """`text` ending with one full stop (a reason may end its own sentence)."""
    return text if text.endswith((".", "!", "?")) else text + "."


def move_alerts(old: dt.date | None, new: dt.date | None, *, was_overdue: bool) -> bool:
    """Whether a move of a target date is reported to the item's liaison lead at once:
    any move of an overdue item, a move later by more than settings.TARGET_DATE_ALERT_DAYS
    days, or a target date taken away."""
    if old is None:
        return False  # a first target date is not a move
    if was_overdue or new is None:
        return True
    alert_days: int = settings.TARGET_DATE_ALERT_DAYS
    return (new - old).days > alert_days


def owner_change_text(
    *,
    old_owner: str,
    new_owner: str,
    old_date: dt.date | None,
    new_date: dt.date | None,
    reason: str = "",
    was_overdue: bool = False,
    owner_changed: bool | None = None,
) -> str:
    """The timeline entry of an owner and target date change: a first line naming every
    field that changed ("Owner and target date changed."), which the item page shows as
    the entry's heading, then one line per field with its old and new values, then the
    reason for a moved target date. `owner_changed`: whether any part of the owner
    changed (by default, whether the owner reads differently)."""
    changed: list[str] = []
    lines: list[str] = []
    if owner_changed is None:
        owner_changed = old_owner != new_owner
    if owner_changed:
        changed.append("owner")
        if not old_owner:
            lines.append(f"Owner set to {new_owner}.")
        elif not new_owner:
            lines.append(f"Owner removed (it was {old_owner}).")
        else:
            lines.append(f"Owner changed from {old_owner} to {new_owner}.")
    if old_date != new_date:
        changed.append("target date")
        if old_date is None:
            assert new_date is not None  # changed
            lines.append(f"Target date set to {_day(new_date)}.")
        elif new_date is None:
            lines.append(f"Target date removed (it was {_day(old_date)}).")
        else:
            days = (new_date - old_date).days
            plural = "s" if abs(days) != 1 else ""
            how = f"{abs(days)} day{plural} {'later' if days > 0 else 'earlier'}"
            if was_overdue:
                how += f", {MOVED_WHEN_OVERDUE}"
            lines.append(f"Target date moved from {_day(old_date)} to {_day(new_date)} ({how}).")
        if reason and old_date is not None:
            lines.append(_sentence(f"{REASON_PREFIX}{reason}"))
    if not changed:
        return ""
    headline = " and ".join(changed) + " changed."
    return "\n".join([headline[0].upper() + headline[1:], *lines])


@transaction.atomic
def owner_set(
    *,
    item: TrackedItem,
    by: User,
    version: int,
    owner_name: str,
    owner_rank: str,
    owner_department: str,
    target_date: dt.date | None,
    reason: str = "",
) -> TrackedItem:
    """Set the owner and target date. A moved target date (the item's date changed or
    taken away) needs a reason: the move is kept (TargetDateMove: old and new dates,
    reason, who, whether the item was overdue), counted on the item, written on the
    timeline, and reported at once to the item's liaison lead when it is large or the
    item was overdue (`move_alerts`). A first target date is not a move: it is kept as
    the item's first. Raises ItemChanged when the item changed since the form was
    loaded, ReasonRequired for a move without a reason, DomainError naming the field
    for text that is not clean or a new target date before 1900. An owner part or
    target date given back as stored is kept as it is."""
    owner_given = {
        "owner_name": owner_name,
        "owner_rank": owner_rank,
        "owner_department": owner_department,
    }
    reason = clean_text(reason, field="reason", label="the reason", required=False)
    locked = lock_item(item)
    require(by, Action.OWNER, locked)
    if locked.version != version:
        raise errors.ItemChanged
    if target_date is not None and target_date != locked.target_date:
        check_not_too_early(target_date, field="target_date", label="the target date")
    old_date = locked.target_date
    moved = old_date is not None and target_date != old_date
    if moved and not reason:
        raise errors.ReasonRequired(field="reason")
    new_owner = tuple(
        value
        if value == getattr(locked, field)
        else clean_line(
            value, field=field, label=OWNER_LABELS[field], max_length=_max_length(field)
        )
        for field, value in owner_given.items()
    )
    old_display = locked.owner_display
    owner_changed = new_owner != (locked.owner_name, locked.owner_rank, locked.owner_department)
    locked.owner_name, locked.owner_rank, locked.owner_department = new_owner
    was_overdue = moved and old_date is not None and old_date < today()
    text = owner_change_text(
        old_owner=old_display,
        new_owner=locked.owner_display,
        old_date=old_date,
        new_date=target_date,
        reason=reason,
        was_overdue=was_overdue,
        owner_changed=owner_changed,
    )
    if not text:
        return locked
    locked.target_date = target_date
    if locked.first_target_date is None:
        # The item's first target date: this one, or the one it had before this kept
        # the first (an item given its date before first dates were kept).
        locked.first_target_date = old_date or target_date
    move = None
    if moved:
        move = TargetDateMove(
            item=locked,
            old_date=old_date,
            new_date=target_date,
            reason=reason,
            moved_by=history_user(by),
            moved_by_name=display_name(by),
            was_overdue=was_overdue,
        )
        move.save()
        # Exact under the row lock (an F() expression here could not be copied into
        # the history row, which keeps the count).
        locked.target_date_moves += 1
    entry = append_note(
        locked,
        by=by,
        text=text,
        event=TimelineEntry.Event.OWNER_CHANGED,
    )
    save_item(locked, by=by, reason=text)
    announce(locked, Change.OWNER_SET, entries=[entry])
    if move is not None and move_alerts(old_date, target_date, was_overdue=was_overdue):
        move_id = move.pk
        transaction.on_commit(lambda: send_task("notify_target_date_move", move_id))
    return locked


REVIEW_MOVES = {
    Status.AWAITING_REVIEW: Status.BEING_PROGRESSED,
    Status.BEING_PROGRESSED: Status.AWAITING_REVIEW,
}


def review_target(status: str) -> str | None:
    """The status a review moves an item in `status` to (None: a review cannot)."""
    return REVIEW_MOVES.get(status)


@transaction.atomic
def status_change(
    *, item: TrackedItem, by: User, to: str | None = None, reason: str = ""
) -> TrackedItem:
    """A liaison lead moves an item between awaiting-review and being-progressed (`to`
    None: to whichever of the two it is not in). Refused while a closure proposal is
    open, which would otherwise be stranded: withdraw it first."""
    item = lock_item(item)
    require(by, Action.REVIEW, item)
    to = to or review_target(item.status_id)
    if to is None or review_target(item.status_id) != to:
        raise errors.InvalidTransition
    new = [NewEntry(kind=TimelineEntry.Kind.STATUS, on=today(), by=by, status=to)]
    if reason.strip():
        new.append(
            note(
                by=by,
                text=clean_text(reason, field="reason", label="the reason"),
                event=TimelineEntry.Event.REVIEW_REASON,
            )
        )
    entries = append_entries(item, new)
    save_item(item, by=by, reason=f"Status changed to {to}")
    announce(item, Change.STATUS_CHANGED, entries=entries)
    return item


@transaction.atomic
def no_further_action(
    *,
    item: TrackedItem,
    by: User,
    reason: str,
    superseded_by: int | None = None,
) -> TrackedItem:
    """Close an item as no-further-action-needed, e.g. when a later inspection supersedes
    it; the reason goes on the timeline and the later item (by id, one the person can
    see) is linked. Refused while a closure proposal is open."""
    reason = clean_text(reason, field="reason", label="the reason")
    item = lock_item(item)
    require(by, Action.NO_FURTHER_ACTION, item)
    later = None
    if superseded_by is not None:
        later = items_visible_to(by).filter(pk=superseded_by).first()
        if later is None:
            raise errors.DomainError(
                "There is no item with that number that you can see", field="superseded_by"
            )
        if later.pk == item.pk:
            raise errors.DomainError("An item cannot supersede itself", field="superseded_by")
    item.superseded_by = later
    entries = append_entries(
        item,
        [
            NewEntry(
                kind=TimelineEntry.Kind.STATUS,
                on=today(),
                by=by,
                status=Status.NO_FURTHER_ACTION,
            ),
            note(by=by, text=reason, event=TimelineEntry.Event.NO_FURTHER_ACTION),
        ],
    )
    save_item(item, by=by, reason="No further action needed")
    announce(item, Change.NO_FURTHER_ACTION, entries=entries)
    return item


def leads_for(item: TrackedItem) -> QuerySet[Any]:
    """The liaison leads whose scope covers the item's force, by name."""
    return liaison_leads_of(item.force_id)


@transaction.atomic
def liaison_lead_assign(*, item: TrackedItem, by: User, lead: User | None) -> TrackedItem:
    """Assign the item's liaison lead (who is reminded of it): only a liaison lead whose
    scope covers the item's force, or nobody."""
    item = lock_item(item)
    require(by, Action.ASSIGN_LEAD, item)
    if lead is not None and not leads_for(item).filter(pk=lead.pk).exists():
        raise errors.NotALead(field="lead")
    if item.liaison_lead_id == (lead.pk if lead else None):
        return item
    item.liaison_lead = lead
    name = display_name(lead) if lead else "nobody"
    save_item(item, by=by, reason=f"Liaison lead set to {name}")
    audit("liaison-lead-assigned", by=by, item=item.pk, lead=lead.pk if lead else None)
    announce(item, Change.LEAD_ASSIGNED)
    return item


@transaction.atomic
def force_lead_assign(*, force: Force, by: User, lead: User | None) -> list[int]:
    """Make `lead` (a liaison lead whose scope covers the force, or nobody) the liaison
    lead of every open item of the force at once: administrators, or the chief of staff
    of the force's region (policy action ASSIGN_FORCE_LEAD). The same rule for the lead
    as liaison_lead_assign; one history row per item changed, one audit event. Returns
    the ids of the items changed (those already led by `lead` are left alone)."""
    refusal = policy.refusal(by, Action.ASSIGN_FORCE_LEAD, force)
    if refusal is not None:
        raise refusal(f"You do not have permission to reassign {force.name}'s liaison lead.")
    if lead is not None and not liaison_leads_of(force.pk).filter(pk=lead.pk).exists():
        raise errors.NotALead(f"Choose a liaison lead who acts for {force.name}.", field="lead")
    items = list(
        TrackedItem.objects.select_for_update()
        .filter(force=force, status_id__in=policy.OPEN)
        .exclude(liaison_lead=lead)
        .defer(*DERIVED_FIELDS)
        .order_by("pk")
    )
    name = display_name(lead) if lead else "nobody"
    for item in items:
        item.liaison_lead = lead
        save_item(item, by=by, reason=f"Liaison lead set to {name} for {force.name}'s open items")
        announce(item, Change.LEAD_ASSIGNED)
    audit(
        "force-liaison-lead-assigned",
        by=by,
        force=force.pk,
        lead=lead.pk if lead else None,
        items=len(items),
    )
    return [item.pk for item in items]
