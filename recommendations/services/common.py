"""What every service shares: the actor, locking, the policy check, text and date
checks, appending timeline entries, saving with history, the audit log and queueing
work after commit. Only the services call these."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from tracker import dates
from tracker import text as text_type
from tracker.security import current_request, event
from tracker.text import CONTROL_CHARACTERS as CONTROL_CHARACTERS  # for the import checks

from .. import errors, policy
from ..models import (
    ClosureProposal,
    Finding,
    Status,
    TimelineEntry,
    TrackedItem,
)
from ..policy import Action
from ..selectors import today

if TYPE_CHECKING:
    from evidence.checks import CheckedFile

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 20_000
Actor = User | policy.CommandLine
CLOSING_STATUSES = frozenset({Status.COMPLETE, Status.NO_FURTHER_ACTION})


def queue_task(task_path: str, *args: object) -> None:
    """Send a Celery task after commit. A broker that is down never fails or hangs the
    person's change: the send gives up within the broker timeouts and is logged; the
    daily sweep catches up from the database."""

    def send() -> None:
        from .. import tasks

        task = getattr(tasks, task_path)
        try:
            task.apply_async(args=args, retry=False)
        except Exception:  # the broker is an optional helper here, never a blocker
            logger.warning("Could not queue %s%r; the broker is unreachable", task_path, args)

    transaction.on_commit(send)


def history_user(by: Actor | None) -> User | None:
    """The user a history row names: none for the command line."""
    return by if isinstance(by, AbstractBaseUser) else None


def save_with_history(obj: models.Model, *, by: Actor | None, reason: str) -> None:
    """Save any model with the person and the reason in its history row."""
    obj._history_user = history_user(by)  # type: ignore[attr-defined]  # simple-history's hook
    obj._change_reason = reason  # type: ignore[attr-defined]  # simple-history's hook
    obj.save()


def lock_item(item: TrackedItem) -> TrackedItem:
    """The item's row, locked until the transaction ends, with its current values."""
    return TrackedItem.objects.select_for_update().get(pk=item.pk)


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
    error = policy.refusal(by, action, item, proposal=proposal)
    if action in DECISIONS and error in (errors.NoOpenProposal, errors.InvalidTransition):
        last = item.proposals.exclude(state=ClosureProposal.State.OPEN).order_by("-id").first()
        if last is not None:
            error = DECIDED_ERRORS[ClosureProposal.State(last.state)]
    return error, proposal


def require(by: Actor, action: str, item: TrackedItem) -> ClosureProposal | None:
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
    """Append an entry to a locked item's timeline; a status entry also sets the item's
    status. The caller saves the item. Status entries are never dated before the latest
    entry, which keeps "the latest status entry" and the stored status the same.

    `event` says what the entry is (a status entry is a status change unless imported);
    `visibility` follows from the event, except for a comment and an authorisation,
    whose writer chooses (the service passes the choice)."""
    if event is None:
        if kind != TimelineEntry.Kind.STATUS:
            raise ValueError("a comment entry needs its event")
        event = Event.STATUS_CHANGED
    fixed = VISIBILITY_OF_EVENT.get(event)
    if fixed is not None:
        visibility = fixed
    if visibility not in Visibility.values:
        raise errors.DomainError("Choose who can see this entry", field="visibility")
    if on > today():
        raise errors.FutureDate(field="date")
    if kind == TimelineEntry.Kind.STATUS and on < item.last_entry_on:
        raise errors.BackdatedStatus
    last_position = TimelineEntry.objects.filter(item=item, date=on).aggregate(m=Max("position"))[
        "m"
    ]
    entry = TimelineEntry.objects.create(
        item=item,
        date=on,
        position=(last_position or 0) + 1,
        kind=kind,
        status_id=status,
        text=text,
        author=by,
        author_name=author_name,
        event=event,
        visibility=visibility,
    )
    if on > item.last_entry_on:
        item.last_entry_on = on
    if kind == TimelineEntry.Kind.STATUS:
        assert status is not None  # the create above refuses a status entry without one
        item.status_id = status
        item.status_order = status_order(status)
        from evidence.services import retention_follow_status

        retention_follow_status(item, status, on)
    if text:
        search_extend(item.pk, text)
    if visibility == Visibility.PUBLIC:
        from monitoring.cache import public_changed

        public_changed()  # the public pages show it once committed (ADR 0008)
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
    return append_entry(
        item,
        kind=TimelineEntry.Kind.COMMENT,
        on=today(),
        by=by,
        text=text,
        event=event,
        visibility=visibility,
    )


def status_order(slug: str) -> int:
    """A status's place in the list's status sort (the item's `status_order`)."""
    return Status.objects.values_list("order", flat=True).get(slug=slug)


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


def search_extend(item_id: int, text: str) -> None:
    """Add a new entry's text to the item's search document: one small UPDATE, however
    many entries the item already has (search_refresh rebuilds the whole document)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recommendations_trackeditem SET search = "
            "coalesce(search, ''::tsvector) || to_tsvector('english'::regconfig, %s) "
            "WHERE id = %s",
            [text, item_id],
        )


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


def save_item(item: TrackedItem, *, by: Actor | None, reason: str) -> None:
    """Save a changed item, bumping its version, with the person and reason in its
    history; its `updated_at` (the API's incremental sync) is now."""
    item.version += 1
    item.updated_at = timezone.now()
    save_with_history(item, by=by, reason=reason)


def attach_evidence(
    *,
    item: TrackedItem,
    entry: TimelineEntry,
    by: User,
    files: Sequence[CheckedFile],
    marking: str,
) -> None:
    """Store evidence files on a new entry, in the calling service's transaction (a
    refused file rolls the whole change back). Nothing to do without files."""
    if files:
        from evidence.services import attach

        attach(item=item, entry=entry, by=by, files=files, marking=marking)
