"""Every change to evidence: attaching files to a new timeline entry (the file store the
recommendations services call, inside their transaction, after the policy allowed the
action: registered in EvidenceConfig.ready), an administrator's removal, and the
retention date that follows the item's status (evidence.signals).

Attaching scans every file first (when scanning is on), then stores each under a random
name and records it with its history. If anything fails, the files stored so far are
deleted and the error rolls back the whole change, entry included: nothing is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from forces.selectors import display_name
from recommendations import errors, policy
from recommendations.hooks import AttachedFile
from recommendations.models import TimelineEntry, TrackedItem
from recommendations.policy import Action
from recommendations.selectors import today
from recommendations.services.common import (
    CLOSING_STATUSES,
    announce,
    append_entry,
    audit,
    clean_text,
    lock_item,
    save_item,
    save_with_history,
)
from recommendations.signals import Change
from tracker.security import event

from . import scanning
from .checks import CheckedFile, Refused
from .models import Evidence

logger = logging.getLogger(__name__)


class AlreadyRemoved(errors.StateError):
    message = "This file has already been removed."


def storage() -> Storage:
    return storages["evidence"]


def add_years(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year + years)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year + years, day=28)


def retain_until_for(item: TrackedItem) -> dt.date | None:
    """The retention review date of the item's files: EVIDENCE_RETAIN_YEARS after the item
    closed (its latest status entry), none while it is open."""
    if item.status_id not in CLOSING_STATUSES:
        return None
    closed = (
        TimelineEntry.objects.filter(item=item, kind=TimelineEntry.Kind.STATUS)
        .order_by("-date", "-position")
        .values_list("date", flat=True)
        .first()
    )
    return add_years(closed or today(), settings.EVIDENCE_RETAIN_YEARS)


def retention_follow_status(
    item: TrackedItem, status: str, on: dt.date, previous: str | None = None
) -> None:
    """With every status entry (recommendations.signals.status_set, inside the change's
    transaction): closing starts the files' retention period, reopening ends it. Derived
    data, so an UPDATE (no history row); removed files keep what they had. A move between
    open statuses (`previous` open too, or a new item) changes nothing: an open item's
    files have no retention date."""
    if status not in CLOSING_STATUSES and (previous is None or previous not in CLOSING_STATUSES):
        return
    until = add_years(on, settings.EVIDENCE_RETAIN_YEARS) if status in CLOSING_STATUSES else None
    Evidence.objects.filter(item_id=item.pk, removed_at__isnull=True).exclude(
        retain_until=until
    ).update(retain_until=until)


def check_marking(marking: str) -> str:
    if marking not in Evidence.Marking.values:
        raise errors.DomainError(
            "Choose the marking: OFFICIAL or OFFICIAL-SENSITIVE", field="marking"
        )
    return marking


def _scan(files: Sequence[CheckedFile], *, by: User, item: TrackedItem) -> None:
    if not scanning.enabled():
        return
    for f in files:
        try:
            verdict = scanning.scan(f.file)
        except scanning.ScannerUnavailable as error:
            logger.error("Evidence not scanned, so refused: %s", error)
            raise Refused(
                f"{f.name} could not be checked for viruses just now, so nothing was saved: "
                "try again later"
            ) from error
        if not verdict.clean:
            # Logged at once: the refusal rolls the change back, so no on-commit hook.
            event(
                "evidence-malware-detected",
                user=by,
                level=logging.WARNING,
                item=item.pk,
                file=f.name,
                sha256=f.sha256,
                signature=verdict.signature,
            )
            raise Refused(
                f"{f.name} was refused: the virus check found something harmful in it "
                f"({verdict.signature}). Nothing was saved"
            )


def store_files(
    *,
    item: TrackedItem,
    entry: TimelineEntry,
    by: User,
    files: Sequence[AttachedFile],
    marking: str,
) -> list[Evidence]:
    """The file store the recommendations services call (recommendations.hooks): only
    files evidence.checks passed are stored."""
    checked = [f for f in files if isinstance(f, CheckedFile)]
    if len(checked) != len(files):
        raise TypeError("only files checked by evidence.checks.inspect are stored")
    return attach(item=item, entry=entry, by=by, files=checked, marking=marking)


def attach(
    *,
    item: TrackedItem,
    entry: TimelineEntry,
    by: User,
    files: Sequence[CheckedFile],
    marking: str,
) -> list[Evidence]:
    """Store checked files on a new timeline entry of a locked item, inside the caller's
    transaction (the caller has asked the policy). Raises Refused naming a file."""
    if not files:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("attach runs inside the service's transaction")
    marking = check_marking(marking)
    if len(files) > settings.EVIDENCE_MAX_FILES:
        raise Refused(f"Select at most {settings.EVIDENCE_MAX_FILES} files at once")
    _scan(files, by=by, item=item)
    target = storage()
    stored: list[str] = []
    created: list[Evidence] = []
    retain_until = retain_until_for(item)
    try:
        for f in files:
            token = secrets.token_hex(16)
            try:
                f.file.seek(0)
                name = target.save(f"{token[:2]}/{token}", File(f.file))
            except Exception as error:  # any storage backend's failure (disk, S3)
                logger.exception("Evidence could not be stored")
                raise Refused(
                    f"{f.name} could not be stored just now, so nothing was saved: try again later"
                ) from error
            stored.append(name)
            evidence = Evidence(
                item=item,
                entry=entry,
                name=f.name,
                storage_name=name,
                size=f.size,
                content_type=f.content_type,
                sha256=f.sha256,
                marking=marking,
                uploaded_by=by,
                retain_until=retain_until,
            )
            save_with_history(evidence, by=by, reason=f"Evidence added: {f.name}")
            created.append(evidence)
    except BaseException:
        for name in stored:
            target.delete(name)
        raise
    audit(
        "evidence-added",
        by=by,
        item=item.pk,
        entry=entry.pk,
        evidence=[e.pk for e in created],
        sha256=[e.sha256 for e in created],
    )
    return created


@transaction.atomic
def evidence_remove(*, item: TrackedItem, evidence_id: int, by: User, reason: str) -> Evidence:
    """An administrator removes a file: the content is deleted from storage once the
    change commits, and the row stays as a tombstone (name, hash, who, when, why) with
    an entry on the timeline and a history row."""
    reason = clean_text(reason, field="reason", label="the reason for removing it")
    item = lock_item(item)
    error = policy.refusal(by, Action.REMOVE_EVIDENCE, item)
    if error is not None:
        raise error
    evidence = Evidence.objects.select_for_update().filter(item=item, pk=evidence_id).first()
    if evidence is None:
        raise errors.DomainError("There is no such file on this item")
    if evidence.removed:
        raise AlreadyRemoved
    tombstone = append_entry(
        item,
        kind=TimelineEntry.Kind.COMMENT,
        on=today(),
        by=by,
        text=(
            f"Evidence removed: {evidence.name} (SHA-256 {evidence.sha256}), "
            f"added by {display_name(evidence.uploaded_by)}. Reason: {reason}"
        ),
        event=TimelineEntry.Event.COMMENT,
        visibility=TimelineEntry.Visibility.INTERNAL,
    )
    evidence.removed_at = timezone.now()
    evidence.removed_by = by
    evidence.removed_reason = reason
    evidence.removal_entry = tombstone
    save_with_history(evidence, by=by, reason=f"Evidence removed: {reason}")
    save_item(item, by=by, reason=f"Evidence removed: {evidence.name}")
    audit("evidence-removed", by=by, item=item.pk, evidence=evidence.pk, sha256=evidence.sha256)
    announce(item, Change.EVIDENCE_REMOVED, entries=[tombstone])
    name = evidence.storage_name

    def delete_content() -> None:
        try:
            storage().delete(name)
        except Exception:  # the tombstone stands; evidence_review reports what remains
            logger.exception("Removed evidence %s could not be deleted from storage", name)

    transaction.on_commit(delete_content)
    return evidence
