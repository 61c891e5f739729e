"""What every service shares: the actor, locking, the policy check, text and date
checks, appending timeline entries, saving with history, the audit log, queueing work
after commit and announcing the change (`recommendations.signals`). Only the services
call these."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import connection, models, transaction
from django.db.models import Subquery, Value
from django.db.models.expressions import BaseExpression, Combinable, RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker import dates
from tracker import text as text_type
from tracker.security import current_request, event
from tracker.text import CONTROL_CHARACTERS as CONTROL_CHARACTERS  # for the import checks

from .. import errors, hooks, policy, signals
from ..hooks import AttachedFile
from ..models import (
    DERIVED_FIELDS,
    ClosureProposal,
    Finding,
    Status,
    TimelineEntry,
    TrackedItem,
)
from ..policy import Action
from ..selectors import today

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 20_000
Actor = User | policy.CommandLine
CLOSING_STATUSES = frozenset({Status.COMPLETE, Status.NO_FURTHER_ACTION})


def send_task(task_path: str, *args: object) -> None:
    """Send a Celery task of recommendations.tasks now (a change's receivers, after its
    commit). A broker that is down never fails or hangs the person's change: the send
    gives up within the broker timeouts and is logged; the daily sweep catches up from
    the database."""
    from .. import tasks

    task = getattr(tasks, task_path)
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # the broker is an optional helper here, never a blocker
        logger.warning("Could not queue %s%r; the broker is unreachable", task_path, args)


def history_user(by: Actor | None) -> User | None:
    """The user a history row names: none for the command line."""
    return by if isinstance(by, AbstractBaseUser) else None


def save_with_history(
    obj: models.Model,
    *,
    by: Actor | None,
    reason: str,
    update_fields: Sequence[str] | None = None,
) -> None:
    """Save any model with the person and the reason in its history row."""
    obj._history_user = history_user(by)  # type: ignore[attr-defined]  # simple-history's hook
    obj._change_reason = reason  # type: ignore[attr-defined]  # simple-history's hook
    obj.save(update_fields=update_fields)


def lock_item(item: TrackedItem) -> TrackedItem:
    """The item's row, locked until the transaction ends, with its current values (its
    search document left unread: only SQL writes it)."""
    return TrackedItem.objects.select_for_update().defer("search").get(pk=item.pk)


def lock_item_and_open_proposal(item: TrackedItem) -> tuple[TrackedItem, ClosureProposal | None]:
    """The item's row, locked as `lock_item` locks it, and its open proposal, for the
    decisions on a proposal: one statement when there is an open proposal.

    The statement locks the proposal's row and the item's (FOR UPDATE OF both). Waiting
    for a change that holds either, PostgreSQL reads the newest versions of both rows
    again and checks them against the query: a proposal decided meanwhile no longer
    matches, and the item is then locked and read as `lock_item` does, with a fresh
    read of its open proposal. Every decision takes the proposal's lock before the
    item's (here); nothing else locks a proposal, so the order cannot deadlock."""
    proposal = (
        ClosureProposal.objects.select_for_update(of=("self", "item"))
        .select_related("item")
        .defer("item__search")
        .filter(item_id=item.pk, state=ClosureProposal.State.OPEN)
        .order_by()
        .first()
    )
    if proposal is not None:
        return proposal.item, proposal
    locked = lock_item(item)
    return locked, locked.proposals.filter(state=ClosureProposal.State.OPEN).first()


DECIDED_ERRORS = {
    ClosureProposal.State.AUTHORISED: errors.AlreadyAuthorised,
    ClosureProposal.State.RETURNED: errors.AlreadyReturned,
    ClosureProposal.State.WITHDRAWN: errors.AlreadyWithdrawn,
}
DECISIONS = (Action.AUTHORISE_CLOSURE, Action.RETURN_CLOSURE, Action.WITHDRAW_CLOSURE)


def action_refusal(
    by: Actor, action: str, item: TrackedItem
) -> tuple[type[errors.DomainError] | None, ClosureProposal | None]:
    """Why `by` may not take `action` on `item` now (None if they may), and the open
    proposal. The policy decides; when a decision finds its proposal already decided,
    the refusal says so ("already authorised") rather than that nothing is open. Pages
    ask it to choose what to show; every service asks it again under the row lock."""
    proposal = item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    return refusal_with(by, action, item, proposal), proposal


def refusal_with(
    by: Actor, action: str, item: TrackedItem, proposal: ClosureProposal | None
) -> type[errors.DomainError] | None:
    """`action_refusal` for an item whose open proposal (or None) is already read."""
    error = policy.refusal(by, action, item, proposal=proposal)
    if action in DECISIONS and error in (errors.NoOpenProposal, errors.InvalidTransition):
        last = item.proposals.exclude(state=ClosureProposal.State.OPEN).order_by("-id").first()
        if last is not None:
            error = DECIDED_ERRORS[ClosureProposal.State(last.state)]
    return error


def require(
    by: Actor,
    action: str,
    item: TrackedItem,
    *,
    proposal: ClosureProposal | None = None,
    proposal_read: bool = False,
) -> ClosureProposal | None:
    """Raise the refusal, if any; return the open proposal. `proposal_read`: the caller
    read the open proposal (`proposal`) under the lock already."""
    if proposal_read:
        error = refusal_with(by, action, item, proposal)
    else:
        error, proposal = action_refusal(by, action, item)
    if error is not None:
        raise error
    return proposal


def clean_text(
    text: str,
    *,
    field: str,
    label: str,
    required: bool = True,
    multiline: bool = True,
    max_length: int = COMMENT_MAX_LENGTH,
) -> str:
    """Free text as it is kept, by the one rule for all text (tracker.text.clean_text:
    no control, direction or invisible characters, no portal-page markers, NFC, trimmed);
    raises DomainError naming the field. `label` is how messages name it ("the
    comment"). Every service calls it on every free-text argument, whatever the door."""
    try:
        cleaned = text_type.clean_text(
            text, field_label=label, multiline=multiline, max_length=max_length
        )
    except text_type.TextError as error:
        raise errors.DomainError(error.message, field=field) from None
    if required and not cleaned:
        raise errors.DomainError(f"Enter {label}", field=field)
    return cleaned


def clean_line(text: str, *, field: str, label: str, max_length: int) -> str:
    """Single-line free text (a name, a rank, a title, a link), optional: clean_text."""
    return clean_text(
        text, field=field, label=label, required=False, multiline=False, max_length=max_length
    )


def check_not_too_early(on: dt.date, *, field: str, label: str) -> dt.date:
    """No date before tracker.dates.EARLIEST_YEAR, whatever the door."""
    problem = dates.too_early(on, field_label=label)
    if problem is not None:
        raise errors.DomainError(problem, field=field)
    return on


def check_date(on: dt.date) -> dt.date:
    """An entry's date: not in the future, not before 1900."""
    if on > today():
        raise errors.FutureDate(field="date")
    return check_not_too_early(on, field="date", label="the date")


Event = TimelineEntry.Event
Visibility = TimelineEntry.Visibility

# Who sees an entry is decided by what it is (domain.md, "public and internal"); only a
# liaison lead's comment is chosen by the writer, each time.
VISIBILITY_OF_EVENT: dict[str, str] = {
    Event.STATUS_CHANGED: Visibility.PUBLIC,
    Event.IMPORTED: Visibility.PUBLIC,
    Event.NO_FURTHER_ACTION: Visibility.PUBLIC,
    Event.PROGRESS_UPDATE: Visibility.INTERNAL,
    Event.OWNER_CHANGED: Visibility.INTERNAL,
    Event.REVIEW_REASON: Visibility.INTERNAL,
    Event.CLOSURE_PROPOSED: Visibility.INTERNAL,
    Event.CLOSURE_RETURNED: Visibility.INTERNAL,
    Event.CLOSURE_WITHDRAWN: Visibility.INTERNAL,
}


@dataclass(frozen=True)
class NewEntry:
    """An entry to append (`append_entries`): see `append_entry` for the fields."""

    kind: str
    on: dt.date
    by: User | None
    text: str = ""
    status: str | None = None
    author_name: str = ""
    event: str | None = None
    visibility: str | None = None


def note(*, by: User | None, text: str, event: str, visibility: str | None = None) -> NewEntry:
    """A comment entry dated today that records what a service just did (`event` says
    what); `visibility` only where the event leaves the choice to the writer."""
    return NewEntry(
        kind=TimelineEntry.Kind.COMMENT,
        on=today(),
        by=by,
        text=text,
        event=event,
        visibility=visibility,
    )


def next_position(item_id: int, on: dt.date, offset: int) -> Combinable:
    """The position after the item's stored entries of date `on`, plus `offset` - 1:
    computed by the INSERT itself (the item's row is locked, so no other entry of the
    item can be added meanwhile)."""
    last = (
        TimelineEntry.objects.filter(item_id=item_id, date=on)
        .order_by("-position")
        .values("position")[:1]
    )
    return Coalesce(Subquery(last), Value(0)) + Value(offset)


def status_order(slug: str) -> Combinable:
    """A status's place in the list's status sort (the item's `status_order`), read by
    the statement that saves the item: an admin's edit of the statuses table is never
    missed (recommendations.signals copies it onto the items that have the status)."""
    return Subquery(Status.objects.filter(slug=slug).values("order")[:1])


def append_entries(
    item: TrackedItem, new: Sequence[NewEntry], *, search_now: bool = False
) -> list[TimelineEntry]:
    """Append entries to a locked item's timeline in one INSERT; a status entry also
    sets the item's status. The caller saves the item with `save_item`, which also adds
    the entries' texts to the item's search document (`search_now`: at once instead, for
    a caller that saves the item otherwise). Status entries are never dated before the
    latest entry, which keeps "the latest status entry" and the stored status the same.

    Each entry's `event` says what it is (a status entry is a status change unless
    imported); its `visibility` follows from the event, except for a comment and an
    authorisation, whose writer chooses (the service passes the choice). A status
    entry sends `signals.status_set` at once, inside the transaction."""
    latest = item.last_entry_on
    rows: list[TimelineEntry] = []
    per_date: dict[dt.date, int] = {}
    for spec in new:
        event = spec.event
        if event is None:
            if spec.kind != TimelineEntry.Kind.STATUS:
                raise ValueError("a comment entry needs its event")
            event = Event.STATUS_CHANGED
        visibility = VISIBILITY_OF_EVENT.get(event, spec.visibility)
        if visibility not in Visibility.values:
            raise errors.DomainError("Choose who can see this entry", field="visibility")
        if spec.on > today():
            raise errors.FutureDate(field="date")
        if spec.kind == TimelineEntry.Kind.STATUS and spec.on < latest:
            raise errors.BackdatedStatus
        latest = max(latest, spec.on)
        per_date[spec.on] = per_date.get(spec.on, 0) + 1
        rows.append(
            TimelineEntry(
                item=item,
                date=spec.on,
                position=next_position(item.pk, spec.on, per_date[spec.on]),
                kind=spec.kind,
                status_id=spec.status,
                text=spec.text,
                author=spec.by,
                author_name=spec.author_name,
                event=event,
                visibility=visibility,
            )
        )
    entries = TimelineEntry.objects.bulk_create(rows)
    for entry in entries:
        # Computed by the database: read again if anyone asks (nobody does).
        del entry.position
    item.last_entry_on = latest
    for entry in entries:
        if entry.kind == TimelineEntry.Kind.STATUS:
            assert entry.status_id is not None  # the INSERT refuses a status entry without one
            previous = item.status_id
            item.status_id = entry.status_id
            item.status_order = status_order(entry.status_id)  # an expression: the UPDATE reads it
            signals.status_set.send(
                sender=TrackedItem,
                item=item,
                status=entry.status_id,
                previous=previous,
                on=entry.date,
            )
    texts = [entry.text for entry in entries if entry.text]
    if texts:
        if search_now:
            search_extend(item.pk, texts)
        else:
            item.__dict__.setdefault(_SEARCH_TEXTS, []).extend(texts)
    return entries


def append_entry(
    item: TrackedItem,
    *,
    kind: str,
    on: dt.date,
    by: User | None,
    text: str = "",
    status: str | None = None,
    author_name: str = "",
    event: str | None = None,
    visibility: str | None = None,
) -> TimelineEntry:
    """Append one entry to a locked item's timeline (`append_entries`, whose rules it
    follows); the entry's text joins the item's search document at once, so the caller
    may save the item any way. The caller saves the item and, once the change is done,
    announces it (`announce`)."""
    [entry] = append_entries(
        item,
        [
            NewEntry(
                kind=kind,
                on=on,
                by=by,
                text=text,
                status=status,
                author_name=author_name,
                event=event,
                visibility=visibility,
            )
        ],
        search_now=True,
    )
    return entry


def append_note(
    item: TrackedItem,
    *,
    by: User | None,
    text: str,
    event: str,
    visibility: str | None = None,
) -> TimelineEntry:
    """Append a comment entry dated today that records what a service just did (`event`
    says what); `visibility` only where the event leaves the choice to the writer."""
    [entry] = append_entries(item, [note(by=by, text=text, event=event, visibility=visibility)])
    return entry


# The item's search document: its finding's texts and reference (as the pages write it,
# "Recommendation 5") and the text of every timeline entry, oldest first.
SEARCH_REFRESH_SQL = """
UPDATE recommendations_trackeditem AS item
SET search = to_tsvector(
    'english'::regconfig,
    concat_ws(
        ' ',
        finding.cause_of_concern,
        finding.text,
        (%(labels)s::text[])[array_position(%(kinds)s::text[], finding.kind::text)],
        finding.number,
        (
            SELECT string_agg(entry.text, ' ' ORDER BY entry.date, entry.position)
            FROM recommendations_timelineentry AS entry
            WHERE entry.item_id = item.id AND entry.text <> ''
        )
    )
)
FROM recommendations_finding AS finding
WHERE finding.id = item.finding_id"""

# The new entries' texts an item's next `save_item` adds to its search document.
_SEARCH_TEXTS = "_tracker_search_texts"


def extended_search(texts: Sequence[str]) -> RawSQL:
    """The item's search document with new entries' texts added, as the item's UPDATE
    writes it: one `to_tsvector` per text, as if each were added by its own statement."""
    added = " || ".join(["to_tsvector('english'::regconfig, %s)"] * len(texts))
    sql = f"coalesce(search, ''::tsvector) || {added}"
    return RawSQL(sql, list(texts))  # noqa: S611  # nosec B611  # a fixed template; texts are parameters


def search_extend(item_id: int, texts: Sequence[str]) -> None:
    """Add new entries' texts to the item's search document: one small UPDATE, however
    many entries the item already has (search_refresh rebuilds the whole document)."""
    if connection.vendor != "postgresql" or not texts:
        return
    TrackedItem.objects.filter(pk=item_id).update(search=extended_search(texts))


def search_refresh(item_ids: Iterable[int] | None) -> None:
    """Recompute the items' search documents (every item for None) in one UPDATE, in the
    caller's transaction: when an item is created or imported, or its finding edited.

    QuerySet-style UPDATEs write no history row (simple-history records save()), which
    is what we want: the document is derived data. The item row is not append-only
    (only timeline entries and history rows are). A no-op on SQLite, whose list filter
    searches substrings instead."""
    if connection.vendor != "postgresql":
        return
    params: dict[str, list[str] | list[int]] = {
        "kinds": [str(kind) for kind, _ in Finding.Kind.choices],
        "labels": [str(label) for _, label in Finding.Kind.choices],
    }
    sql = SEARCH_REFRESH_SQL
    if item_ids is not None:
        params["ids"] = sorted(set(item_ids))
        if not params["ids"]:
            return
        sql += " AND item.id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def audit(name: str, *, by: Actor | None, **fields: Any) -> None:
    """A security-log event once the change is committed, whatever door it came through
    (the log takes the address and request id of the request being served, if any)."""
    user = history_user(by)
    username = None if user is not None else getattr(by, "username", None)
    request = current_request.get()  # taken now: the commit may come after the response
    transaction.on_commit(
        lambda: event(name, request=request, user=user, username=username, **fields)
    )


def forget_computed(item: TrackedItem) -> None:
    """After a save, leave columns the database computed (expressions) unread, so that
    nobody reads an expression as a value: reading one reads the row again."""
    for name in ("status_order", "search"):
        if isinstance(item.__dict__.get(name), BaseExpression):
            del item.__dict__[name]


def save_item(item: TrackedItem, *, by: Actor | None, reason: str) -> None:
    """Save a changed item, bumping its version, with the person and reason in its
    history; its `updated_at` (the API's incremental sync) is now; a target date on an
    item without a first one becomes its first. The texts of the
    entries appended since it was read join its search document in the same UPDATE."""
    item.version += 1
    item.updated_at = timezone.now()
    if item.first_target_date is None and item.target_date is not None:
        # Whatever gave the item its first target date (owner_set, the demo data), it
        # is kept as the first: later moves change only `target_date`.
        item.first_target_date = item.target_date
    texts = item.__dict__.pop(_SEARCH_TEXTS, [])
    fields = None
    if texts and connection.vendor == "postgresql":
        # The columns TrackedItem.save writes (not the derived ones, not those left
        # unread), and the search document.
        skipped = {*DERIVED_FIELDS, *item.get_deferred_fields()}
        fields = [
            f.attname
            for f in TrackedItem._meta.concrete_fields
            if not f.primary_key and f.name not in skipped and f.attname not in skipped
        ]
        item.search = extended_search(texts)
        fields.append("search")
    save_with_history(item, by=by, reason=reason, update_fields=fields)
    forget_computed(item)


def announce(
    item: TrackedItem,
    change: signals.Change,
    *,
    entries: Sequence[TimelineEntry] = (),
    proposal: ClosureProposal | None = None,
) -> None:
    """Send `signals.item_changed` for the item once the change commits (at once outside
    a transaction): what changed, whether the public sees anything new (a public entry
    among `entries`), the new entries and the proposal concerned."""
    changed = signals.ItemChange(
        item_id=item.pk,
        change=change,
        public=any(e.visibility == Visibility.PUBLIC for e in entries),
        entry_ids=tuple(e.pk for e in entries),
        proposal_id=proposal.pk if proposal is not None else None,
    )
    transaction.on_commit(lambda: signals.send_item_changed(changed))


def attach_evidence(
    *,
    item: TrackedItem,
    entry: TimelineEntry,
    by: User,
    files: Sequence[AttachedFile],
    marking: str,
) -> None:
    """Store the files that came with a new entry (the registered file store: evidence),
    in the calling service's transaction (a refused file rolls the whole change back).
    Nothing to do without files."""
    if not files:
        return
    store = hooks.file_store()
    if store is None:
        raise RuntimeError("no file store is registered (recommendations.hooks)")
    store(item=item, entry=entry, by=by, files=files, marking=marking)
