"""Evidence files attached to timeline entries: what the database keeps of each file
(the content itself is in the `evidence` storage under a random name)."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from recommendations.models import TimelineEntry, TrackedItem
from tracker.database_rules import ChangesOtherThan, Refuse

# Content types the portal accepts, judged from the content (evidence.checks), with the
# words the pages show for each.
TYPE_LABELS = {
    "application/pdf": "PDF",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.ms-powerpoint": "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint presentation"
    ),
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
    "text/plain": "Plain text",
    "text/csv": "CSV",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
}
REMOVAL_FIELDS = ["removed_at", "removed_by", "removed_reason", "removal_entry"]


class Evidence(models.Model):
    """One file on one timeline entry. Never deleted: an administrator's removal deletes
    the content from storage and leaves this row as the tombstone (who, when, why)."""

    class Marking(models.TextChoices):
        OFFICIAL = "OFFICIAL", "OFFICIAL"
        OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"

    item = models.ForeignKey(TrackedItem, on_delete=models.PROTECT, related_name="evidence")
    entry = models.ForeignKey(TimelineEntry, on_delete=models.PROTECT, related_name="evidence")
    name = models.CharField(
        max_length=255, help_text="The file's name as uploaded: shown, never used as a path."
    )
    storage_name = models.CharField(
        max_length=100, unique=True, help_text="Random; the content's name in the storage."
    )
    size = models.PositiveBigIntegerField(help_text="Bytes")
    content_type = models.CharField(
        max_length=100, choices=[(k, v) for k, v in TYPE_LABELS.items()]
    )
    sha256 = models.CharField("SHA-256", max_length=64)
    marking = models.CharField(max_length=20, choices=Marking.choices, default=Marking.OFFICIAL)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    retain_until = models.DateField(
        null=True,
        blank=True,
        help_text="Retention review date: EVIDENCE_RETAIN_YEARS after the item closed; "
        "empty while it is open.",
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_reason = models.TextField(blank=True)
    removal_entry = models.ForeignKey(
        TimelineEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="removed_evidence",
        help_text="The timeline entry recording the removal (the tombstone).",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(fields=["item", "uploaded_at"], name="evidence_item_uploaded"),
            models.Index(
                fields=["retain_until"],
                condition=Q(removed_at__isnull=True, retain_until__isnull=False),
                name="evidence_retention_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(marking__in=["OFFICIAL", "OFFICIAL-SENSITIVE"]),
                name="evidence_marking",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=list(TYPE_LABELS)), name="evidence_allowed_type"
            ),
            # Removed with everything a tombstone needs, or not removed at all.
            models.CheckConstraint(
                condition=Q(
                    removed_at__isnull=True,
                    removed_by__isnull=True,
                    removed_reason="",
                    removal_entry__isnull=True,
                )
                | (
                    Q(
                        removed_at__isnull=False,
                        removed_by__isnull=False,
                        removal_entry__isnull=False,
                    )
                    & ~Q(removed_reason="")
                ),
                name="evidence_removal_complete",
            ),
        ]
        triggers = [
            Refuse(
                name="evidence_never_deleted",
                operation=pgtrigger.Delete,
                rule="evidence rows are never deleted: removal leaves a tombstone",
            ),
            Refuse(
                name="evidence_changes_only_retention_and_removal",
                operation=pgtrigger.Update,
                condition=ChangesOtherThan(
                    pgtrigger.Q(old__removed_at__isnull=True),
                    fields=["retain_until", *REMOVAL_FIELDS],
                ),
                rule="evidence changes only its retention date, and its removal once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.content_type, self.content_type)

    @property
    def removed(self) -> bool:
        return self.removed_at is not None
