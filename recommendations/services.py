"""Every change to tracked items, one function per use case.

Each service locks the item row, re-checks the policy after the lock, writes the item,
its timeline entry and the history reason in one transaction, and queues follow-up work
on commit. The item's `status` is written here and nowhere else, always with a status
entry, so the current status is always the latest status entry.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from forces.models import Force
from tracker.security import current_request, event

from . import errors, policy
from .models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    Status,
    TimelineEntry,
    TrackedItem,
)
from .selectors import items_visible_to, today

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 20_000
Actor = AbstractBaseUser | policy.CommandLine
CLOSING_STATUSES = frozenset({Status.COMPLETE, Status.NO_FURTHER_ACTION})
# Control characters cannot be stored or shown; tab, newline and carriage return can.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _queue(task_path: str, *args: object) -> None:
    """Send a Celery task after commit. A broker that is down never fails or hangs the
    person's change: the send gives up within the broker timeouts and is logged; the
    daily sweep catches up from the database."""

    def send() -> None:
        from . import tasks

        task = getattr(tasks, task_path)
        try:
            task.apply_async(args=args, retry=False)
        except Exception:  # the broker is an optional helper here, never a blocker
            logger.warning("Could not queue %s%r; the broker is unreachable", task_path, args)

    transaction.on_commit(send)


def history_user(by: Actor | None) -> AbstractBaseUser | None:
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


_lock = lock_item

DECIDED_ERRORS = {
    ClosureProposal.State.AUTHORISED: errors.AlreadyAuthorised,
    ClosureProposal.State.RETURNED: errors.AlreadyReturned,
    ClosureProposal.State.WITHDRAWN: errors.AlreadyWithdrawn,
}
DECISIONS = ("authorise-closure", "return-closure", "withdraw-closure")


def action_refusal(
    by: Actor, action: str, item: TrackedItem
) -> tuple[type[errors.DomainError] | None, ClosureProposal | None]:
    """Why `by` may not take `action` on `item` now (None if they may), and the open
    proposal. The policy decides; when a decision finds its proposal already decided,
    the refusal says so ("already authorised") rather than that nothing is open. Pages
    ask it to choose what to show; every service asks it again under the row lock."""
    proposal = item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    error = policy.why_not(by, action, item, proposal)  # type: ignore[arg-type]
    if action in DECISIONS and error in (errors.NoOpenProposal, errors.InvalidTransition):
        last = item.proposals.exclude(state=ClosureProposal.State.OPEN).order_by("-id").first()
        if last is not None:
            error = DECIDED_ERRORS[ClosureProposal.State(last.state)]
    return error, proposal


def _require(by: Actor, action: str, item: TrackedItem) -> ClosureProposal | None:
    error, proposal = action_refusal(by, action, item)
    if error is not None:
        raise error
    return proposal


PORTAL_MARKERS = re.compile(r"\[/?(on|status|comment)\]", re.IGNORECASE)


def _clean_text(text: str, *, field: str, label: str, required: bool = True) -> str:
    """Trim text and check it; raises DomainError naming the field. The portal page
    format has no escaping, so its markers cannot appear in text that must export."""
    cleaned = text.strip()
    control = CONTROL_CHARACTERS.search(cleaned)
    if control:
        raise errors.DomainError(
            f"Remove the control character U+{ord(control.group(0)):04X} from {label}",
            field=field,
        )
    marker = PORTAL_MARKERS.search(cleaned)
    if marker:
        raise errors.DomainError(
            f"Remove “{marker.group(0)}” from {label}: it marks entries in portal pages",
            field=field,
        )
    if required and not cleaned:
        raise errors.DomainError(f"Enter {label}", field=field)
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise errors.DomainError(
            f"{label[0].upper()}{label[1:]} must be {COMMENT_MAX_LENGTH:,} characters or fewer",
            field=field,
        )
    return cleaned


def _check_date(on: dt.date) -> dt.date:
    if on > today():
        raise errors.FutureDate(field="date")
    return on


def append_entry(
    item: TrackedItem,
    *,
    kind: str,
    on: dt.date,
    by: AbstractBaseUser | None,
    text: str = "",
    status: str | None = None,
    author_name: str = "",
) -> TimelineEntry:
    """Append an entry to a locked item's timeline; a status entry also sets the item's
    status. The caller saves the item. Status entries are never dated before the latest
    entry, which keeps "the latest status entry" and the stored status the same."""
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
    )
    if on > item.last_entry_on:
        item.last_entry_on = on
    if kind == TimelineEntry.Kind.STATUS:
        item.status_id = status
    return entry


def _audit(name: str, *, by: Actor | None, **fields: object) -> None:
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
    history."""
    item.version += 1
    save_with_history(item, by=by, reason=reason)


@transaction.atomic
def comment_add(
    *,
    item: TrackedItem,
    by: AbstractBaseUser,
    text: str,
    on: dt.date | None = None,
    action: str = "comment",
) -> TimelineEntry:
    """A comment (liaison lead) or a progress update (liaison officer, action
    "progress-update"). Raises NotPermitted, FutureDate or DomainError for bad text."""
    text = _clean_text(
        text, field="text", label="the comment" if action == "comment" else "the progress update"
    )
    on = _check_date(on or today())
    item = _lock(item)
    _require(by, action, item)
    entry = append_entry(item, kind=TimelineEntry.Kind.COMMENT, on=on, by=by, text=text)
    save_item(
        item,
        by=by,
        reason="Progress update added" if action == "progress-update" else "Comment added",
    )
    _queue("notify_entry", entry.pk)
    return entry


@transaction.atomic
def owner_set(
    *,
    item: TrackedItem,
    by: AbstractBaseUser,
    version: int,
    owner_name: str,
    owner_rank: str,
    owner_department: str,
    target_date: dt.date | None,
    reason: str = "",
) -> TrackedItem:
    """Set the owner and target date. A moved target date needs a reason, which goes on
    the timeline. Raises ItemChanged when the item changed since the form was loaded."""
    locked = _lock(item)
    _require(by, "owner", locked)
    if locked.version != version:
        raise errors.ItemChanged
    reason = reason.strip()
    moved = locked.target_date is not None and target_date != locked.target_date
    if moved and not reason:
        raise errors.ReasonRequired(field="reason")
    changes = []
    new_owner = (owner_name.strip(), owner_rank.strip(), owner_department.strip())
    if new_owner != (locked.owner_name, locked.owner_rank, locked.owner_department):
        locked.owner_name, locked.owner_rank, locked.owner_department = new_owner
        changes.append("owner set to " + (locked.owner_display or "nobody"))
    if target_date != locked.target_date:
        old = locked.target_date
        locked.target_date = target_date
        when = target_date.strftime("%-d %B %Y") if target_date else "none"
        if old is None:
            changes.append(f"target date set to {when}")
        else:
            changes.append(f"target date moved from {old:%-d %B %Y} to {when}: {reason}")
    if not changes:
        return locked
    summary = "; ".join(changes)
    text = summary[0].upper() + summary[1:] + "."
    append_entry(locked, kind=TimelineEntry.Kind.COMMENT, on=today(), by=by, text=text)
    save_item(locked, by=by, reason=text)
    return locked


@transaction.atomic
def status_change(
    *, item: TrackedItem, by: AbstractBaseUser, to: str | None = None, reason: str = ""
) -> TrackedItem:
    """A liaison lead moves an item between awaiting-review and being-progressed (`to`
    None: to whichever of the two it is not in). Refused while a closure proposal is
    open, which would otherwise be stranded: withdraw it first."""
    item = _lock(item)
    _require(by, "review", item)
    allowed = {
        Status.AWAITING_REVIEW: Status.BEING_PROGRESSED,
        Status.BEING_PROGRESSED: Status.AWAITING_REVIEW,
    }
    to = to or allowed.get(item.status_id)
    if to is None or allowed.get(item.status_id) != to:
        raise errors.InvalidTransition
    append_entry(item, kind=TimelineEntry.Kind.STATUS, on=today(), by=by, status=to)
    if reason.strip():
        append_entry(
            item,
            kind=TimelineEntry.Kind.COMMENT,
            on=today(),
            by=by,
            text=_clean_text(reason, field="reason", label="the reason"),
        )
    save_item(item, by=by, reason=f"Status changed to {to}")
    return item


@transaction.atomic
def no_further_action(
    *,
    item: TrackedItem,
    by: AbstractBaseUser,
    reason: str,
    superseded_by: int | None = None,
) -> TrackedItem:
    """Close an item as no-further-action-needed, e.g. when a later inspection supersedes
    it; the reason goes on the timeline and the later item (by id, one the person can
    see) is linked. Refused while a closure proposal is open."""
    reason = _clean_text(reason, field="reason", label="the reason")
    item = _lock(item)
    _require(by, "no-further-action", item)
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
    append_entry(
        item, kind=TimelineEntry.Kind.STATUS, on=today(), by=by, status=Status.NO_FURTHER_ACTION
    )
    append_entry(item, kind=TimelineEntry.Kind.COMMENT, on=today(), by=by, text=reason)
    save_item(item, by=by, reason="No further action needed")
    return item


@transaction.atomic
def closure_propose(*, item: TrackedItem, by: AbstractBaseUser, reason: str) -> ClosureProposal:
    """A liaison lead proposes closure; the status stays being-progressed until a chief
    of staff authorises it. Raises ClosureAlreadyProposed if one is open."""
    reason = _clean_text(reason, field="reason", label="the reason for closure")
    item = _lock(item)
    _require(by, "propose-closure", item)
    proposal = ClosureProposal(item=item, proposed_by=by, reason=reason)
    save_with_history(proposal, by=by, reason="Closure proposed")
    _audit("closure-proposed", by=by, item=item.pk, proposal=proposal.pk)
    append_entry(
        item, kind=TimelineEntry.Kind.COMMENT, on=today(), by=by, text=f"Closure proposed: {reason}"
    )
    save_item(item, by=by, reason="Closure proposed")
    _queue("notify_proposal", proposal.pk)
    return proposal


def _decide(
    *, item: TrackedItem, by: AbstractBaseUser, action: str, state: str, reason: str
) -> ClosureProposal:
    item = _lock(item)
    proposal = _require(by, action, item)
    assert proposal is not None  # _require guarantees an open proposal for these actions
    proposal.state = state
    proposal.decided_by = by
    proposal.decision_reason = reason
    proposal.decided_at = timezone.now()
    save_with_history(proposal, by=by, reason=f"Closure {state}")
    name = by.get_full_name() or by.get_username()
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
    _audit(f"closure-{state}", by=by, item=item.pk, proposal=proposal.pk)
    _queue("notify_proposal", proposal.pk)
    return proposal


@transaction.atomic
def closure_authorise(
    *, item: TrackedItem, by: AbstractBaseUser, note: str = ""
) -> ClosureProposal:
    """A chief of staff authorises closure: the item becomes complete. Raises
    AlreadyAuthorised when someone got there first, OwnProposal for the proposer."""
    note = _clean_text(note, field="note", label="the note", required=False)
    return _decide(
        item=item,
        by=by,
        action="authorise-closure",
        state=ClosureProposal.State.AUTHORISED,
        reason=note,
    )


@transaction.atomic
def closure_return(*, item: TrackedItem, by: AbstractBaseUser, reason: str) -> ClosureProposal:
    """A chief of staff returns a proposal with a reason; the item stays being-progressed."""
    reason = _clean_text(reason, field="reason", label="the reason for returning it")
    return _decide(
        item=item,
        by=by,
        action="return-closure",
        state=ClosureProposal.State.RETURNED,
        reason=reason,
    )


@transaction.atomic
def closure_withdraw(*, item: TrackedItem, by: AbstractBaseUser, reason: str) -> ClosureProposal:
    """The proposer (or an administrator) withdraws an open proposal before a decision,
    for example to move the item back to review; the item stays being-progressed."""
    reason = _clean_text(reason, field="reason", label="the reason for withdrawing it")
    return _decide(
        item=item,
        by=by,
        action="withdraw-closure",
        state=ClosureProposal.State.WITHDRAWN,
        reason=reason,
    )


def leads_for(item: TrackedItem) -> QuerySet[AbstractBaseUser]:
    """The liaison leads whose scope covers the item's force, by name."""
    from forces.models import Scope

    lead_ids = Scope.objects.filter(forces=item.force_id).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            pk__in=lead_ids,
            is_active=True,
            groups__permissions__codename="propose_closure",
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def liaison_lead_assign(
    *, item: TrackedItem, by: AbstractBaseUser, lead: AbstractBaseUser | None
) -> TrackedItem:
    """Assign the item's liaison lead (who is reminded of it): only a liaison lead whose
    scope covers the item's force, or nobody."""
    item = _lock(item)
    _require(by, "assign-lead", item)
    if lead is not None and not leads_for(item).filter(pk=lead.pk).exists():
        raise errors.NotALead(field="lead")
    if item.liaison_lead_id == (lead.pk if lead else None):
        return item
    item.liaison_lead = lead
    name = (lead.get_full_name() or lead.get_username()) if lead else "nobody"
    save_item(item, by=by, reason=f"Liaison lead set to {name}")
    _audit("liaison-lead-assigned", by=by, item=item.pk, lead=lead.pk if lead else None)
    return item


@dataclass(frozen=True)
class FindingInput:
    kind: str
    text: str
    number: int | None = None
    cause_of_concern: str = ""


def item_create(
    *,
    finding: Finding,
    force: Force,
    by: Actor | None,
    portal_id: int | None = None,
    on: dt.date | None = None,
    with_first_entry: bool = True,
    author_name: str = "",
) -> TrackedItem:
    """Create one force's copy of a finding, starting with an awaiting-review entry dated
    at publication (unless the caller, the importer, brings its own first entry)."""
    start = on or finding.report.published
    item = TrackedItem(
        finding=finding,
        force=force,
        portal_id=portal_id,
        status_id=Status.AWAITING_REVIEW,
        last_entry_on=start,
    )
    save_with_history(item, by=by, reason="Created")
    if with_first_entry:
        append_entry(
            item,
            kind=TimelineEntry.Kind.STATUS,
            on=start,
            by=by,
            status=Status.AWAITING_REVIEW,
            author_name=author_name,
        )
        item.save(update_fields=["status", "last_entry_on"])
    return item


def _require_publisher(by: AbstractBaseUser) -> None:
    if not by.has_perm("recommendations.publish_report"):
        raise errors.NotPermitted


@transaction.atomic
def findings_issue(
    *,
    report: InspectionReport,
    by: AbstractBaseUser,
    findings: Sequence[FindingInput],
    forces: Iterable[Force],
) -> list[TrackedItem]:
    """Issue findings of a report to forces: one finding row each, one item per force."""
    _require_publisher(by)
    forces = list(forces)
    if not forces:
        raise errors.DomainError("Select at least one force", field="forces")
    items = []
    for data in findings:
        finding = Finding(
            report=report,
            kind=data.kind,
            number=data.number,
            cause_of_concern=data.cause_of_concern.strip(),
            text=data.text.strip(),
        )
        save_with_history(finding, by=by, reason="Issued")
        items.extend(item_create(finding=finding, force=f, by=by) for f in forces)
    return items


@transaction.atomic
def report_publish(
    *,
    by: AbstractBaseUser,
    title: str,
    slug: str,
    published: dt.date,
    kind: str,
    url: str = "",
    findings: Sequence[FindingInput] = (),
    forces: Iterable[Force] = (),
) -> InspectionReport:
    """Publish an inspection report and issue its findings to the chosen forces."""
    _require_publisher(by)
    if published > today():
        raise errors.FutureDate(field="published")
    if InspectionReport.objects.filter(slug=slug).exists():
        raise errors.DomainError("A report with this short name already exists", field="slug")
    report = InspectionReport(
        title=title.strip(), slug=slug, published=published, kind=kind, url=url
    )
    save_with_history(report, by=by, reason="Published")
    if findings:
        findings_issue(report=report, by=by, findings=findings, forces=forces)
    return report


# Imports: the portal-page importer (recommendations.portal_format.importing) parses
# pages and plans; these services decide and write, for the shell and the upload alike.


@dataclass(frozen=True)
class ImportedEntry:
    """One dated entry of a portal page: a status (value = its slug) or a comment."""

    date: dt.date
    kind: str
    value: str
    line: int = 1


IMPORTED_AUTHOR = "Imported from the monitoring portal"


def import_problems(
    *,
    by: Actor,
    force: Force,
    entries: Sequence[ImportedEntry],
    item: TrackedItem | None = None,
    open_proposal: ClosureProposal | None = None,
) -> list[tuple[int, str]]:
    """Every reason the entries cannot be added to the force's item (or to a new item
    when `item` is None), as (line, message). A force outside the person's scope is
    the only answer for it: nothing of that force's stored data is looked at."""
    refusal = policy.why_not_import(by, force.pk)
    if refusal is not None:
        return [(1, f"{refusal} {force.name}" if refusal.startswith("you do") else refusal)]
    problems: list[tuple[int, str]] = []
    latest = item.last_entry_on if item is not None else None
    on = today()
    for entry in entries:
        if entry.date > on:
            problems.append(
                (
                    entry.line,
                    f"the entry is dated {entry.date:%-d %B %Y}, after today: "
                    "no entry can be dated in the future",
                )
            )
            continue
        control = CONTROL_CHARACTERS.search(entry.value)
        if control:
            problems.append(
                (entry.line, f"the entry contains the control character U+{ord(control[0]):04X}")
            )
        if entry.kind == TimelineEntry.Kind.STATUS:
            if latest is not None and entry.date < latest:
                problems.append(
                    (
                        entry.line,
                        f"a status entry dated {entry.date:%-d %B %Y} cannot come after an "
                        f"entry dated {latest:%-d %B %Y}",
                    )
                )
            if entry.value in CLOSING_STATUSES and not policy.may_import_closure(by):
                problems.append(
                    (
                        entry.line,
                        f"a '{entry.value}' status cannot be imported: propose closure on the "
                        "item's page instead, so that a chief of staff can authorise it",
                    )
                )
            if open_proposal is not None:
                problems.append(
                    (
                        entry.line,
                        "the item has a closure proposal awaiting a decision, which a status "
                        "change would leave stranded: withdraw it or have it decided first",
                    )
                )
        latest = max(latest, entry.date) if latest is not None else entry.date
    return problems


def _raise_import_problems(problems: list[tuple[int, str]]) -> None:
    if problems:
        raise errors.DomainError("; ".join(f"line {line}: {message}" for line, message in problems))


def _import_entries(
    item: TrackedItem, entries: Sequence[ImportedEntry], *, by: Actor
) -> list[TimelineEntry]:
    """Append checked entries in one insert, positioned after the stored ones of each
    date. Closing entries name the administrator who imported them."""
    dates = {e.date for e in entries}
    positions = dict(
        TimelineEntry.objects.filter(item=item, date__in=dates)
        .values_list("date")
        .annotate(m=Max("position"))
    )
    importer = history_user(by)
    rows = []
    for entry in entries:
        positions[entry.date] = positions.get(entry.date, 0) + 1
        is_status = entry.kind == TimelineEntry.Kind.STATUS
        names_importer = is_status and entry.value in CLOSING_STATUSES
        author_name = IMPORTED_AUTHOR
        if names_importer:
            name = (
                (importer.get_full_name() or importer.get_username())
                if importer is not None
                else by.get_full_name()
            )
            author_name = f"{IMPORTED_AUTHOR}, closure imported by {name}"
        rows.append(
            TimelineEntry(
                item=item,
                date=entry.date,
                position=positions[entry.date],
                kind=entry.kind,
                status_id=entry.value if is_status else None,
                text="" if is_status else entry.value,
                author=importer if names_importer else None,
                author_name=author_name,
            )
        )
        if is_status:
            item.status_id = entry.value
        if entry.date > item.last_entry_on:
            item.last_entry_on = entry.date
    return TimelineEntry.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def timeline_import(
    *,
    item: TrackedItem,
    by: Actor,
    entries: Sequence[ImportedEntry],
    source: str,
    portal_id: int | None = None,
) -> TrackedItem:
    """Append a published page's newer entries to an item, as `by` (the signed-in
    person, or COMMAND_LINE). Raises DomainError with every problem of
    `import_problems`, checked again under the row lock."""
    item = lock_item(item)
    proposal = item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    _raise_import_problems(
        import_problems(by=by, force=item.force, entries=entries, item=item, open_proposal=proposal)
    )
    if portal_id and item.portal_id is None:
        item.portal_id = portal_id
    _import_entries(item, entries, by=by)
    save_item(item, by=by, reason=f"Imported from {source}")
    return item


@transaction.atomic
def item_import_create(
    *,
    report: InspectionReport,
    page: FindingInput,
    force: Force,
    by: Actor,
    entries: Sequence[ImportedEntry],
    source: str,
    portal_id: int | None = None,
) -> TrackedItem:
    """Create a force's item from a published page: its finding (shared with other
    forces' copies of the same text) and its timeline, which starts with a status."""
    _raise_import_problems(import_problems(by=by, force=force, entries=entries))
    if not entries or entries[0].kind != TimelineEntry.Kind.STATUS:
        raise errors.DomainError("a new item's timeline must start with a status entry")
    finding = finding_for_page(report, page)
    if finding is None:
        finding = Finding(
            report=report,
            kind=page.kind,
            number=page.number,
            cause_of_concern=page.cause_of_concern,
            text=page.text,
        )
        save_with_history(finding, by=by, reason=f"Imported from {source}")
    item = item_create(
        finding=finding,
        force=force,
        by=by,
        portal_id=portal_id,
        on=entries[0].date,
        with_first_entry=False,
    )
    _import_entries(item, entries, by=by)
    save_item(item, by=by, reason=f"Imported from {source}")
    return item


def finding_for_page(report: InspectionReport, page: FindingInput) -> Finding | None:
    """The stored finding a page is a copy of: same report, kind and number (and text,
    for unnumbered ones)."""
    candidates = Finding.objects.filter(report=report, kind=page.kind, number=page.number)
    if page.number is None:
        candidates = candidates.filter(text=page.text)
    return candidates.first()
