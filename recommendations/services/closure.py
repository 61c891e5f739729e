"""Closure: a liaison lead proposes, a different person (a regional chief of staff)
authorises or returns it, and the proposer may withdraw it before a decision. A closed
item is reopened (never silently edited) when a later inspection finds its problem still
present.

A proposal keeps the item's version once it was made (`item_version`): anything added
or changed after it (an update, evidence, the owner, the target date) makes the item
"changed since proposed", and authorising it then needs the chief of staff to say they
read the changes (`changes_since_proposed` lists them), whatever the door."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from forces.selectors import display_name
from tracker.humanise import long_date

from .. import errors, hooks
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
    open_actions_reason: str = "",
) -> ClosureProposal:
    """A liaison lead proposes closure, saying how the requirement was verified (one of
    ClosureProposal.VerifiedBy; `other` needs `verified_other` in words); the status stays
    being-progressed until a chief of staff authorises it. Raises ClosureAlreadyProposed
    if one is open. The feature apps' closure checks (hooks.closure_checks: an open
    improvement plan) may refuse it unless `open_actions_reason` says why, which then goes
    on the timeline with the proposal."""
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
    extra = "".join(
        f"\n\n{line}"
        for check in hooks.closure_checks()
        if (line := check(item, by, open_actions_reason))
    )
    proposal = ClosureProposal(
        item=item,
        proposed_by=by,
        reason=reason,
        verified_by=verified_by,
        verified_other=verified_other,
        # The item's version after this proposal's own change (save_item below bumps it
        # by one), so an item left as it is compares equal. Written once: the database
        # refuses any later change to it.
        item_version=item.version + 1,
    )
    save_with_history(proposal, by=by, reason="Closure proposed")
    audit("closure-proposed", by=by, item=item.pk, proposal=proposal.pk)
    entry = append_note(
        item,
        by=by,
        text=f"Closure proposed on the basis of {proposal.verified_display}: {reason}{extra}",
        event=TimelineEntry.Event.CLOSURE_PROPOSED,
    )
    attach_evidence(item=item, entry=entry, by=by, files=files, marking=marking)
    save_item(item, by=by, reason="Closure proposed")
    assert item.version == proposal.item_version  # save_item bumps the version by one
    announce(item, Change.CLOSURE_PROPOSED, entries=[entry], proposal=proposal)
    return proposal


# --- Changed since proposed ------------------------------------------------------------

# The item's fields a change to is listed (the others are bookkeeping, or shown by the
# timeline entry that came with the change: a status entry says the status changed).
CHANGED_FIELDS = {
    "owner_name": "Owner's name",
    "owner_rank": "Owner's rank or title",
    "owner_department": "Owner's department",
    "target_date": "Target date",
    "recheck_on": "Re-check date",
}
EXCERPT = 120


@dataclass(frozen=True)
class ProposalChange:
    """One thing added or changed since a proposal was made: when, who, what (a short
    line), and the timeline entry that recorded it, if any (its evidence files are the
    pages' to add: the core does not know them)."""

    when: dt.datetime
    who: str
    what: str
    entry_id: int | None = None

    @property
    def line(self) -> str:
        """The change as one line: "3 March 2027: Progress update: “Trained 40.” (Olly Officer)"."""
        who = f" ({self.who})" if self.who else ""
        return f"{long_date(timezone.localtime(self.when).date())}: {self.what}{who}"

    def as_data(self) -> dict[str, Any]:
        return {
            "at": self.when.isoformat(),
            "by": self.who,
            "what": self.what,
            "line": self.line,
        }


class ChangedSinceProposed(errors.DomainError):
    """Authorising a proposal whose item changed since it was proposed, without saying
    the changes were read. Input to correct on a page (tick the box, 400); the API
    answers it as 409 with the changes (api.views)."""

    message = (
        "The item changed since closure was proposed. Read the changes and tick "
        "“I have read the changes” to authorise it."
    )

    def __init__(self, changes: Sequence[ProposalChange]) -> None:
        super().__init__(field="changes_read")
        self.changes = list(changes)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _shown(value: object) -> str:
    if value is None or value == "":
        return "not set"
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)


def is_changed(proposal: ClosureProposal, item: TrackedItem) -> bool:
    """Whether the item changed since the proposal was made: its version moved on. A
    proposal made before versions were kept (`item_version` empty) is asked of the
    records (`changes_since_proposed`)."""
    if proposal.item_version is not None:
        return item.version != proposal.item_version
    return bool(changes_since_proposed([proposal]).get(proposal.pk))


def changes_since_proposed(
    proposals: Iterable[ClosureProposal],
) -> dict[int, list[ProposalChange]]:
    """What was added to or changed on each proposal's item after the proposal was
    made, oldest first, by proposal id: each timeline entry written since (an update, a
    comment, an evidence removal) and each change of the item's fields (owner, target
    date, liaison lead ...), from the item's history. In three queries however many
    proposals (a fourth names the liaison leads, when one changed). The proposal's own
    change is not listed: the item's history row with the proposal's `item_version`
    marks where it ends (for a proposal made before versions were kept, its "Closure
    proposed" row, else the time it was made)."""
    proposals = list(proposals)
    if not proposals:
        return {}
    by_item = {p.item_id: p for p in proposals}
    since = min(p.proposed_at for p in proposals)
    History = TrackedItem.history.model
    records: dict[int, list[Any]] = {item_id: [] for item_id in by_item}
    for record in (
        History.objects.filter(id__in=list(by_item), history_date__gte=since)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        records[record.id].append(record)
    cutoff: dict[int, dt.datetime] = {}
    after: dict[int, list[Any]] = {}
    for item_id, proposal in by_item.items():
        rows = [r for r in records[item_id] if r.history_date >= proposal.proposed_at]
        own = None
        for index, record in enumerate(rows):
            if (
                record.version == proposal.item_version
                if proposal.item_version is not None
                else record.history_change_reason == "Closure proposed"
            ):
                own = index
                break
        if own is None:
            cutoff[item_id] = proposal.proposed_at
            after[item_id] = [
                r
                for r in rows
                if proposal.item_version is None or r.version > proposal.item_version
            ]
            previous = None
        else:
            cutoff[item_id] = rows[own].history_date
            after[item_id] = rows[own + 1 :]
            previous = rows[own]
        after[item_id] = [previous, *after[item_id]]
    entries = (
        TimelineEntry.objects.filter(item_id__in=list(by_item), created_at__gt=min(cutoff.values()))
        .select_related("author", "status")
        .order_by("created_at", "id")
    )
    changes: dict[int, list[ProposalChange]] = {p.pk: [] for p in proposals}
    for entry in entries:
        if (
            entry.created_at <= cutoff[entry.item_id]
            # Only the proposal's own entry can say so while it is open.
            or entry.event == TimelineEntry.Event.CLOSURE_PROPOSED
        ):
            continue
        if entry.kind == TimelineEntry.Kind.STATUS:
            what = f"Status changed to {entry.status.name if entry.status else entry.status_id}"
        else:
            what = f"{entry.get_event_display()}: “{_excerpt(entry.text)}”"
        changes[by_item[entry.item_id].pk].append(
            ProposalChange(entry.created_at, entry.author_display, what, entry.pk)
        )
    # The liaison leads a change names, read only when a lead changed.
    named = {
        lead
        for rows in after.values()
        for before, now in zip(rows, rows[1:], strict=False)
        if before is not None and before.liaison_lead_id != now.liaison_lead_id
        for lead in (before.liaison_lead_id, now.liaison_lead_id)
        if lead is not None
    }
    leads = {u.pk: display_name(u) for u in User.objects.filter(pk__in=named)} if named else {}
    for item_id, rows in after.items():
        proposal = by_item[item_id]
        previous = rows[0]
        for record in rows[1:]:
            if previous is not None:
                moved = [
                    f"{label} changed from {_shown(getattr(previous, name))} to "
                    f"{_shown(getattr(record, name))}"
                    for name, label in CHANGED_FIELDS.items()
                    if getattr(previous, name) != getattr(record, name)
                ]
                if previous.liaison_lead_id != record.liaison_lead_id:
                    moved.append(
                        f"Liaison lead changed from {leads.get(previous.liaison_lead_id, 'nobody')}"
                        f" to {leads.get(record.liaison_lead_id, 'nobody')}"
                    )
                if previous.superseded_by_id != record.superseded_by_id:
                    moved.append("Superseded by changed")
                if moved:
                    changes[proposal.pk].append(
                        ProposalChange(
                            record.history_date,
                            display_name(record.history_user)
                            if record.history_user_id
                            else "the system or the command line",
                            "; ".join(moved),
                        )
                    )
            previous = record
        if not changes[proposal.pk] and proposal.item_version is not None:
            # The version moved on with nothing this list shows: say what the history says.
            changes[proposal.pk] = [
                ProposalChange(
                    record.history_date,
                    display_name(record.history_user) if record.history_user_id else "",
                    record.history_change_reason or "The item was changed",
                )
                for record in rows[1:]
                if record.version > proposal.item_version
            ]
        changes[proposal.pk].sort(key=lambda c: c.when)
    return changes


def _decide(
    *,
    item: TrackedItem,
    by: User,
    action: str,
    state: str,
    reason: str,
    publish_note: bool = False,
    proposal_id: int | None = None,
    changes_read: bool = False,
    seen_version: int | None = None,
    recheck_on: dt.date | None = None,
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
    read = False
    if state == ClosureProposal.State.AUTHORISED and is_changed(proposal, item):
        # Decided on what was proposed: a changed item is authorised only by someone who
        # says they read the changes, or (the API) who read the item as it now is.
        read = changes_read or (seen_version is not None and seen_version == item.version)
        if not read:
            raise ChangedSinceProposed(changes_since_proposed([proposal])[proposal.pk])
    proposal.state = state
    proposal.decided_by = by
    proposal.decision_reason = reason
    proposal.decided_at = timezone.now()
    proposal.changes_read = read
    if recheck_on is not None:
        item.recheck_on = recheck_on
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
    changes_read: bool = False,
    seen_version: int | None = None,
    recheck_on: dt.date | None = None,
) -> ClosureProposal:
    """A chief of staff authorises closure: the item becomes complete, with the public
    comment "Authorised for closure." (and the note, when `publish_note`). Raises
    AlreadyAuthorised when someone got there first, OwnProposal for the proposer.

    If the item changed since the proposal was made, it is authorised only with
    `changes_read` (the person read the changes) or a `seen_version` that is the item's
    version now (they read the item as it is); otherwise ChangedSinceProposed, listing
    the changes. The proposal keeps whether the changes were read. `recheck_on`, a date
    after today, is when the closure's effectiveness is to be re-checked (the item's
    `recheck_on`)."""
    note = clean_text(note, field="note", label="the note", required=False)
    if recheck_on is not None:
        recheck_on = check_recheck_on(recheck_on)
    return _decide(
        item=item,
        by=by,
        action=Action.AUTHORISE_CLOSURE,
        state=ClosureProposal.State.AUTHORISED,
        reason=note,
        publish_note=publish_note,
        proposal_id=proposal_id,
        changes_read=changes_read,
        seen_version=seen_version,
        recheck_on=recheck_on,
    )


RECHECK_IN_PAST = "The re-check date must be in the future"


def check_recheck_on(on: dt.date) -> dt.date:
    """A re-check date: after today (and, as every date, not before 1900)."""
    if on <= today():
        raise errors.DomainError(RECHECK_IN_PAST, field="recheck_on")
    return on


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
    # A pending effectiveness re-check is answered by the reopening itself.
    item.recheck_on = None
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
