"""Closure: a liaison lead proposes, a different person (a regional chief of staff)
authorises or returns it, and the proposer may withdraw it before a decision."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from forces.selectors import display_name

from ..models import (
    ClosureProposal,
    Status,
    TimelineEntry,
    TrackedItem,
)
from ..policy import Action
from ..selectors import today
from .common import (
    append_entry,
    audit,
    clean_text,
    lock_item,
    queue_task,
    require,
    save_item,
    save_with_history,
)


@transaction.atomic
def closure_propose(*, item: TrackedItem, by: User, reason: str) -> ClosureProposal:
    """A liaison lead proposes closure; the status stays being-progressed until a chief
    of staff authorises it. Raises ClosureAlreadyProposed if one is open."""
    reason = clean_text(reason, field="reason", label="the reason for closure")
    item = lock_item(item)
    require(by, Action.PROPOSE_CLOSURE, item)
    proposal = ClosureProposal(item=item, proposed_by=by, reason=reason)
    save_with_history(proposal, by=by, reason="Closure proposed")
    audit("closure-proposed", by=by, item=item.pk, proposal=proposal.pk)
    append_entry(
        item, kind=TimelineEntry.Kind.COMMENT, on=today(), by=by, text=f"Closure proposed: {reason}"
    )
    save_item(item, by=by, reason="Closure proposed")
    queue_task("notify_proposal", proposal.pk)
    return proposal


def _decide(
    *, item: TrackedItem, by: User, action: str, state: str, reason: str
) -> ClosureProposal:
    item = lock_item(item)
    proposal = require(by, action, item)
    assert proposal is not None  # _require guarantees an open proposal for these actions
    proposal.state = state
    proposal.decided_by = by
    proposal.decision_reason = reason
    proposal.decided_at = timezone.now()
    save_with_history(proposal, by=by, reason=f"Closure {state}")
    name = display_name(by)
    if state == ClosureProposal.State.AUTHORISED:
        append_entry(
            item, kind=TimelineEntry.Kind.STATUS, on=today(), by=by, status=Status.COMPLETE
        )
        text = f"Authorised for closure by {name}." + (f" {reason}" if reason else "")
    elif state == ClosureProposal.State.WITHDRAWN:
        text = f"Closure proposal withdrawn by {name}: {reason}"
    else:
        text = f"Closure proposal returned by {name}: {reason}"
    append_entry(item, kind=TimelineEntry.Kind.COMMENT, on=today(), by=by, text=text)
    save_item(item, by=by, reason=f"Closure {state}")
    audit(f"closure-{state}", by=by, item=item.pk, proposal=proposal.pk)
    queue_task("notify_proposal", proposal.pk)
    return proposal


@transaction.atomic
def closure_authorise(*, item: TrackedItem, by: User, note: str = "") -> ClosureProposal:
    """A chief of staff authorises closure: the item becomes complete. Raises
    AlreadyAuthorised when someone got there first, OwnProposal for the proposer."""
    note = clean_text(note, field="note", label="the note", required=False)
    return _decide(
        item=item,
        by=by,
        action=Action.AUTHORISE_CLOSURE,
        state=ClosureProposal.State.AUTHORISED,
        reason=note,
    )


@transaction.atomic
def closure_return(*, item: TrackedItem, by: User, reason: str) -> ClosureProposal:
    """A chief of staff returns a proposal with a reason; the item stays being-progressed."""
    reason = clean_text(reason, field="reason", label="the reason for returning it")
    return _decide(
        item=item,
        by=by,
        action=Action.RETURN_CLOSURE,
        state=ClosureProposal.State.RETURNED,
        reason=reason,
    )


@transaction.atomic
def closure_withdraw(*, item: TrackedItem, by: User, reason: str) -> ClosureProposal:
    """The proposer (or an administrator) withdraws an open proposal before a decision,
    for example to move the item back to review; the item stays being-progressed."""
    reason = clean_text(reason, field="reason", label="the reason for withdrawing it")
    return _decide(
        item=item,
        by=by,
        action=Action.WITHDRAW_CLOSURE,
        state=ClosureProposal.State.WITHDRAWN,
        reason=reason,
    )
