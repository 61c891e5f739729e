"""What evidence follows in the core (recommendations.signals), connected in
EvidenceConfig.ready(): the files' retention date follows the item's status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver

from recommendations.models import TrackedItem
from recommendations.signals import status_set

from .services import retention_follow_status


@receiver(status_set, dispatch_uid="evidence_retention_follows_status")
def retention_follows_status(
    sender: type,
    item: TrackedItem,
    status: str,
    previous: str | None,
    on: dt.date,
    **_: Any,
) -> None:
    """Inside the change's transaction, under the item's row lock (see status_set): the
    retention date is committed with the status, or not at all."""
    retention_follow_status(item, status, on, previous)
