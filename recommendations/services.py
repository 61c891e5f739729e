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

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from forces.models import Force

from . import errors, policy
from .models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    Status,
    TimelineEntry,
    TrackedItem,
)
from .selectors import today

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 20_000


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


def _lock(item: TrackedItem) -> TrackedItem:
    return TrackedItem.objects.select_for_update().get(pk=item.pk)


def _require(by: AbstractBaseUser, action: str, item: TrackedItem) -> ClosureProposal | None:
    proposal = item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    error = policy.why_not(by, action, item, proposal)
    if error is errors.NoOpenProposal or (
        error is errors.InvalidTransition and action in ("authorise-closure", "return-closure")
    ):
        # Someone decided it first: say so, rather than that nothing is open.
        last = item.proposals.exclude(state=ClosureProposal.State.OPEN).order_by("-id").first()
        if last is not None:
            error = (
                errors.AlreadyAuthorised
                if last.state == ClosureProposal.State.AUTHORISED
                else errors.AlreadyReturned
            )
    if error is not None:
        raise error
    return proposal


PORTAL_MARKERS = re.compile(r"\[/?(on|status|comment)\]", re.IGNORECASE)


def _clean_text(text: str, *, field: str, label: str, required: bool = True) -> str:
    """Trim text and check it; raises DomainError naming the field. The portal page
    format has no escaping, so its markers cannot appear in text that must export."""
    cleaned = text.strip()
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


def save_item(item: TrackedItem, *, by: AbstractBaseUser | None, reason: str) -> None:
    """Save a changed item with the person and reason in its history."""
    item.version += 1
    item._history_user = by  # type: ignore[attr-defined]
    item._change_reason = reason  # type: ignore[attr-defined]
    item.save()


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
    *, item: TrackedItem, by: AbstractBaseUser, to: str, reason: str = ""
) -> TrackedItem:
    """A liaison lead moves an item between awaiting-review and being-progressed."""
    item = _lock(item)
    _require(by, "review", item)
    allowed = {
        Status.AWAITING_REVIEW: Status.BEING_PROGRESSED,
        Status.BEING_PROGRESSED: Status.AWAITING_REVIEW,
    }
    if allowed.get(item.status_id) != to:
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
    superseded_by: TrackedItem | None = None,
) -> TrackedItem:
    """Close an item as no-further-action-needed, e.g. when a later inspection supersedes
    it; the reason goes on the timeline and the later item is linked."""
    reason = _clean_text(reason, field="reason", label="the reason")
    item = _lock(item)
    _require(by, "no-further-action", item)
    if superseded_by is not None and superseded_by.pk == item.pk:
        raise errors.DomainError("An item cannot supersede itself", field="superseded_by")
    item.superseded_by = superseded_by
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
    proposal._history_user = by  # type: ignore[attr-defined]
    proposal._change_reason = "Closure proposed"  # type: ignore[attr-defined]
    proposal.save()
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
    proposal._history_user = by  # type: ignore[attr-defined]
    proposal._change_reason = f"Closure {state}"  # type: ignore[attr-defined]
    proposal.save()
    name = by.get_full_name() or by.get_username()
    if state == ClosureProposal.State.AUTHORISED:
        append_entry(
            item, kind=TimelineEntry.Kind.STATUS, on=today(), by=by, status=Status.COMPLETE
        )
        text = f"Authorised for closure by {name}." + (f" {reason}" if reason else "")
    else:
        text = f"Closure proposal returned by {name}: {reason}"
    append_entry(item, kind=TimelineEntry.Kind.COMMENT, on=today(), by=by, text=text)
    save_item(item, by=by, reason=f"Closure {state}")
    logger.info("closure %s item=%s by=%s", state, item.pk, by.pk)
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
    by: AbstractBaseUser | None,
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
    item._history_user = by  # type: ignore[attr-defined]
    item._change_reason = "Created"  # type: ignore[attr-defined]
    item.save()
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
        finding._history_user = by  # type: ignore[attr-defined]
        finding.save()
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
    report._history_user = by  # type: ignore[attr-defined]
    report.save()
    if findings:
        findings_issue(report=report, by=by, findings=findings, forces=forces)
    return report
