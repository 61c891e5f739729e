"""The signals the core sends, so that the apps built on it follow its changes without
the core importing them (issue 24), and the core's own receivers.

Sent by the services (`recommendations.services`):

- `item_changed`, once a change to an item is committed (transaction.on_commit), with
  `change`: an `ItemChange` (the item, what changed, whether the public sees anything
  new, the new entries, the proposal concerned). Receivers: monitoring (the public
  cache's version, when `public`), and below the notifications (emails through
  Celery). Receivers run after the commit: one that fails is logged and the others
  still run; the change stands.
- `status_set`, inside the change's transaction, whenever a status entry sets an item's
  status, with `item` (locked), `status`, `previous` (None for a new item) and `on`.
  Receiver: evidence (the files' retention date). It is not deferred to the commit:
  the retention date is part of the change (an item closed with files whose review
  date is not set, or reopened with files still due for review, must never be
  committed), the item's row lock orders two status changes of one item, and a
  failing receiver rolls the change back rather than leaving it half done.

Received here: edits of reference data in the Django admin (a force's name, a report's
title, a finding, a status's order) keep the items' copied sort keys and search
documents in step. Items themselves change only through the services, which keep their
own copies; these UPDATEs write no history row (the copies are derived data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver
from simple_history.signals import pre_create_historical_record

from forces.models import Force

from .models import Finding, InspectionReport, Status, TrackedItem

logger = logging.getLogger(__name__)


class Change(StrEnum):
    """What a service did to an item."""

    CREATED = "created"
    IMPORTED = "imported"
    ENTRY_ADDED = "entry-added"  # a comment or a progress update
    OWNER_SET = "owner-set"
    STATUS_CHANGED = "status-changed"
    NO_FURTHER_ACTION = "no-further-action"
    CLOSURE_PROPOSED = "closure-proposed"
    CLOSURE_DECIDED = "closure-decided"  # authorised, returned or withdrawn
    LEAD_ASSIGNED = "lead-assigned"
    EVIDENCE_REMOVED = "evidence-removed"


@dataclass(frozen=True)
class ItemChange:
    item_id: int
    change: Change
    public: bool  # a public entry was added: the public site shows something new
    entry_ids: tuple[int, ...] = ()
    proposal_id: int | None = None


item_changed = Signal()
status_set = Signal()


def send_item_changed(changed: ItemChange) -> None:
    """Send `item_changed` (after the commit): a receiver that fails is logged, never
    raised, and the others still run."""
    for handler, result in item_changed.send_robust(sender=TrackedItem, change=changed):
        if isinstance(result, Exception):
            logger.error(
                "item_changed receiver %r failed for item %s",
                handler,
                changed.item_id,
                exc_info=result,
            )


@receiver(item_changed, dispatch_uid="notify_on_change")
def notify_on_change(sender: type, change: ItemChange, **_: Any) -> None:
    """Who hears about it (recommendations.notifications, through Celery): the chiefs
    of staff of a proposal, its proposer of a decision, the item's liaison lead of a
    comment or progress update."""
    from .services.common import send_task  # the services send this module's signals

    if change.change in (Change.CLOSURE_PROPOSED, Change.CLOSURE_DECIDED):
        send_task("notify_proposal", change.proposal_id)
    elif change.change == Change.ENTRY_ADDED:
        for entry_id in change.entry_ids:
            send_task("notify_entry", entry_id)


@receiver(pre_create_historical_record, dispatch_uid="item_history_reads_nothing_back")
def item_history_reads_nothing_back(sender: type, history_instance: Any, **_: Any) -> None:
    """An item's history row leaves out the derived columns; to copy the item's themes
    onto the row, simple-history rebuilds the item from the row and, for the left-out
    columns, reads the item again: one SELECT per save, for a through table it can
    name without them. This row's rebuilt item does without them."""
    if sender is TrackedItem.history.model:
        history_instance._history_excluded_fields = []


@receiver(post_save, sender=Force, dispatch_uid="items_follow_force")
def items_follow_force(sender: type[Force], instance: Force, created: bool, **_: Any) -> None:
    if not created:
        TrackedItem.objects.filter(force=instance).exclude(force_name=instance.name).update(
            force_name=instance.name
        )


@receiver(post_save, sender=InspectionReport, dispatch_uid="items_follow_report")
def items_follow_report(
    sender: type[InspectionReport], instance: InspectionReport, created: bool, **_: Any
) -> None:
    if not created:
        TrackedItem.objects.filter(finding__report=instance).exclude(
            report_title=instance.title
        ).update(report_title=instance.title)


@receiver(post_save, sender=Finding, dispatch_uid="items_follow_finding")
def items_follow_finding(sender: type[Finding], instance: Finding, created: bool, **_: Any) -> None:
    if created:
        return
    from .services.common import search_refresh  # the services send this module's signals

    items = TrackedItem.objects.filter(finding=instance)
    items.update(
        report_title=instance.report.title,
        finding_kind=instance.kind,
        finding_number=instance.number,
    )
    search_refresh(items.values_list("pk", flat=True))


@receiver(post_save, sender=Status, dispatch_uid="items_follow_status")
def items_follow_status(sender: type[Status], instance: Status, created: bool, **_: Any) -> None:
    if not created:
        TrackedItem.objects.filter(status_id=instance.slug).exclude(
            status_order=instance.order
        ).update(status_order=instance.order)
