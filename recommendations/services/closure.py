"""Closure: a liaison lead proposes, a different person (a regional chief of staff)
authorises or returns it, and the proposer may withdraw it before a decision. A closed
item is reopened (never silently edited) when a later inspection finds its problem still
present."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from forces.selectors import display_name

from .. import errors
from ..hooks import AttachedFile
from ..models import (
    ClosureProposal,
    Finding,
    Status,
    TimelineEntry,
    TrackedItem,
)
from ..policy import Action
from ..selectors import items_visible_to, today
from ..signals import Change
from .common import (
    DECIDED_ERRORS,
    NewEntry,
    announce,
    append_entries,
    append_note,
    attach_evidence,
    audit,
    clean_text,
    lock_item,
    lock_item_and_open_proposal,
    note,
    require,
    save_item,
    save_with_history,
)

OTHER_MAX_LENGTH = ClosureProposal._meta.get_field("verified_other").max_length or 200


@transaction.atomic
def closure_propose(
    *,
    item: TrackedItem,
    by: User,
    reason: str,
    verified_by: str,
    verified_other: str = "",
    files: Sequence[AttachedFile] = (),
    marking: str = "OFFICIAL",
) -> ClosureProposal:
    """A liaison lead proposes closure, saying how the requirement was verified (one of
    ClosureProposal.VerifiedBy; `other` needs `verified_other` in words); the status stays
    being-progressed until a chief of staff authorises it. Raises ClosureAlreadyProposed
    if one is open."""
    reason = clean_text(reason, field="reason", label="the reason for closure")
    if verified_by not in ClosureProposal.VerifiedBy.values:
        raise errors.DomainError("Select how the requirement was verified", field="verified_by")
    if verified_by == ClosureProposal.VerifiedBy.OTHER:
        verified_other = clean_text(
            verified_other,
            field="verified_other",
            label="how it was verified",
            multiline=False,
            max_length=OTHER_MAX_LENGTH,
        )
    else:
        verified_other = ""
    item = lock_item(item)
    require(by, Action.PROPOSE_CLOSURE, item)
    proposal = ClosureProposal(
        item=item,
        proposed_by=by,
        reason=reason,
        verified_by=verified_by,
        verified_other=verified_other,
    )
    save_with_history(proposal, by=by, reason="Closure proposed")
    audit("closure-proposed", by=by, item=item.pk, proposal=proposal.pk)
    entry = append_note(
        item,
        by=by,
        text=f"Closure proposed on the basis of {proposal.verified_display}: {reason}",
        event=TimelineEntry.Event.CLOSURE_PROPOSED,
    )
    attach_evidence(item=item, entry=entry, by=by, files=files, marking=marking)
    save_item(item, by=by, reason="Closure proposed")
    announce(item, Change.CLOSURE_PROPOSED, entries=[entry], proposal=proposal)
    return proposal


def _decide(
    *,
    item: TrackedItem,
    by: User,
    action: str,
    state: str,
    reason: str,
    publish_note: bool = False,
    proposal_id: int | None = None,
) -> ClosureProposal:
    item, proposal = lock_item_and_open_proposal(item)
    proposal = require(by, action, item, proposal=proposal, proposal_read=True)
    assert proposal is not None  # require guarantees an open proposal for these actions
    if proposal_id is not None and proposal.pk != proposal_id:
        # The caller named another proposal (the API's address): it was decided already.
        named = ClosureProposal.objects.filter(pk=proposal_id, item=item).first()
        if named is None:
            raise errors.NoOpenProposal
        raise DECIDED_ERRORS.get(ClosureProposal.State(named.state), errors.NoOpenProposal)
    proposal.state = state
    proposal.decided_by = by
    proposal.decision_reason = reason
    proposal.decided_at = timezone.now()
    save_with_history(proposal, by=by, reason=f"Closure {state}")
    name = display_name(by)
    Event = TimelineEntry.Event
    new: list[NewEntry]
    if state == ClosureProposal.State.AUTHORISED:
        # The public comment the real portal shows; the chief's note joins it only when
        # they chose to publish it, and otherwise stays on the timeline as internal.
        published = "Authorised for closure." + (f" {reason}" if reason and publish_note else "")
        new = [
            NewEntry(kind=TimelineEntry.Kind.STATUS, on=today(), by=by, status=Status.COMPLETE),
            note(
                by=by,
                text=published,
                event=Event.CLOSURE_AUTHORISED,
                visibility=TimelineEntry.Visibility.PUBLIC,
            ),
        ]
        if reason and not publish_note:
            new.append(
                note(
                    by=by,
                    text=f"Authorised for closure by {name}: {reason}",
                    event=Event.CLOSURE_AUTHORISED,
                    visibility=TimelineEntry.Visibility.INTERNAL,
                )
            )
    elif state == ClosureProposal.State.WITHDRAWN:
        new = [
            note(
                by=by,
                text=f"Closure proposal withdrawn by {name}: {reason}",
                event=Event.CLOSURE_WITHDRAWN,
            )
        ]
    else:
        new = [
            note(
                by=by,
                text=f"Closure proposal returned by {name}: {reason}",
                event=Event.CLOSURE_RETURNED,
            )
        ]
    entries = append_entries(item, new)
    save_item(item, by=by, reason=f"Closure {state}")
    audit(f"closure-{state}", by=by, item=item.pk, proposal=proposal.pk)
    announce(item, Change.CLOSURE_DECIDED, entries=entries, proposal=proposal)
    return proposal


@transaction.atomic
def closure_authorise(
    *,
    item: TrackedItem,
    by: User,
    note: str = "",
    publish_note: bool = False,
    proposal_id: int | None = None,
) -> ClosureProposal:
    """A chief of staff authorises closure: the item becomes complete, with the public
    comment "Authorised for closure." (and the note, when `publish_note`). Raises
    AlreadyAuthorised when someone got there first, OwnProposal for the proposer."""
    note = clean_text(note, field="note", label="the note", required=False)
    return _decide(
        item=item,
        by=by,
        action=Action.AUTHORISE_CLOSURE,
        state=ClosureProposal.State.AUTHORISED,
        reason=note,
        publish_note=publish_note,
        proposal_id=proposal_id,
    )


@transaction.atomic
def closure_return(
    *, item: TrackedItem, by: User, reason: str, proposal_id: int | None = None
) -> ClosureProposal:
    """A chief of staff returns a proposal with a reason; the item stays being-progressed."""
    reason = clean_text(reason, field="reason", label="the reason for returning it")
    return _decide(
        item=item,
        by=by,
        action=Action.RETURN_CLOSURE,
        state=ClosureProposal.State.RETURNED,
        reason=reason,
        proposal_id=proposal_id,
    )


@transaction.atomic
def closure_withdraw(
    *, item: TrackedItem, by: User, reason: str, proposal_id: int | None = None
) -> ClosureProposal:
    """The proposer (or an administrator) withdraws an open proposal before a decision,
    for example to move the item back to review; the item stays being-progressed."""
    reason = clean_text(reason, field="reason", label="the reason for withdrawing it")
    return _decide(
        item=item,
        by=by,
        action=Action.WITHDRAW_CLOSURE,
        state=ClosureProposal.State.WITHDRAWN,
        reason=reason,
        proposal_id=proposal_id,
    )


@transaction.atomic
def item_reopen(
    *,
    item: TrackedItem,
    by: User,
    reason: str,
    public_reason: str,
    finding: int | None = None,
) -> TrackedItem:
    """A chief of staff (for their region) or an inspector (any force) reopens a complete
    or no-further-action-needed item: it is being progressed again. A public status
    entry, and a public comment with `public_reason` (the wording the public sees, chosen
    as for a comment); `reason` stays internal, with the later `finding` (by id, one the
    person can see), if any. The closure's proposal and evidence stay as they were."""
    reason = clean_text(reason, field="reason", label="why it is reopened")
    public_reason = clean_text(
        public_reason, field="public_reason", label="what the public will see"
    )
    item = lock_item(item)
    require(by, Action.REOPEN, item)
    later = None
    if finding is not None:
        later = (
            Finding.objects.select_related("report")
            .filter(pk=finding, pk__in=items_visible_to(by).values("finding_id"))
            .first()
        )
        if later is None:
            raise errors.DomainError(
                "There is no finding with that number that you can see", field="finding"
            )
        if later.pk == item.finding_id:
            raise errors.DomainError("Name the later finding, not this item's own", field="finding")
    closed = item.status_id
    found = f" Found still present by {later.reference} ({later.report})." if later else ""
    Event = TimelineEntry.Event
    entries = append_entries(
        item,
        [
            NewEntry(
                kind=TimelineEntry.Kind.STATUS,
                on=today(),
                by=by,
                status=Status.BEING_PROGRESSED,
            ),
            note(
                by=by,
                text=f"Reopened: {public_reason}",
                event=Event.REOPENED,
                visibility=TimelineEntry.Visibility.PUBLIC,
            ),
            note(
                by=by,
                text=f"Reopened by {display_name(by)} (was {closed}): {reason}{found}",
                event=Event.REOPENED,
                visibility=TimelineEntry.Visibility.INTERNAL,
            ),
        ],
    )
    save_item(item, by=by, reason=f"Reopened (was {closed})")
    audit(
        "item-reopened",
        by=by,
        item=item.pk,
        previous=closed,
        finding=later.pk if later else None,
    )
    announce(item, Change.STATUS_CHANGED, entries=entries)
    return item
