"""Thin Celery tasks: they take ids, call one function, retry with backoff, and are
safe to run twice (so `acks_late` is safe: a task redelivered after a crash repeats
harmlessly)."""

import logging
from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.utils import timezone

from . import notifications, reminders
from .models import PendingImport

logger = logging.getLogger(__name__)

RETRY: dict[str, Any] = {
    "autoretry_for": (OSError, SMTPException),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(**RETRY)
def notify_entry(entry_id: int) -> int:
    return notifications.entry_added(entry_id)


@shared_task(**RETRY)
def notify_proposal(proposal_id: int) -> int:
    return notifications.proposal_changed(proposal_id)


@shared_task(**RETRY)
def notify_target_date_move(move_id: int) -> int:
    return notifications.target_date_moved(move_id)


@shared_task(**RETRY)
def send_digest(user_id: int) -> tuple[int, int]:
    return reminders.send_digest(user_id)


@shared_task(acks_late=True)
def stale_sweep() -> int:
    """Claim due reminders, then fan out one digest task per person with anything
    pending. If the broker fails mid-way, the deliveries stay pending in the database
    and the next sweep sends them."""
    result, people = reminders.sweep()
    for user_id in people:
        try:
            send_digest.apply_async(args=(user_id,), retry=False)
        except Exception:  # the next sweep retries from the database
            logger.warning("could not queue the digest for user %s", user_id)
    return result.claimed


@shared_task(acks_late=True)
def clean_pending_imports() -> int:
    """Delete uploaded pages whose preview expired (never confirmed, or long done); run
    daily by beat beside the reminder sweep. Safe to run twice."""
    deleted, _ = PendingImport.objects.filter(expires_at__lt=timezone.now()).delete()
    if deleted:
        logger.info("deleted %s expired pending imports", deleted)
    return deleted


@shared_task(acks_late=True)
def apply_import(pending_id: str) -> str:
    """Apply a large confirmed import of portal pages, all or nothing; the person's
    progress page shows the outcome. Only a queued import starts, so a redelivered
    task does nothing."""
    from . import imports

    return imports.run_queued(pending_id)
