"""Thin Celery tasks: they take ids, call one function, retry with backoff, and are
safe to run twice."""

from celery import shared_task

from . import notifications

RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(**RETRY)
def notify_entry(entry_id: int) -> int:
    return notifications.entry_added(entry_id)


@shared_task(**RETRY)
def notify_proposal(proposal_id: int) -> int:
    return notifications.proposal_changed(proposal_id)
