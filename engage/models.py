"""Engage (issue 28): a force's monitoring stage, kept as a dated history, and the
improvement plan a force in Engage delivers.

- `MonitoringStage`: one row per period a force spends in a stage (`scan` or `engage`),
  with the date it entered and left, why, and at which Police Performance Oversight
  Group meeting it was decided. At most one row per force is current (`left_on` empty:
  a partial unique constraint); a force with no row is in Scan. A row is never deleted,
  and once written only its `left_on` is set, once (a trigger).
- `PlanAction`: one action of an item's improvement plan (a cause of concern's or a
  recommendation's), with its owner, due date and status.
- `PlanActionUpdate`: a dated, append-only update on an action, saying its status after.
- `PlanActionReview`: the liaison lead's review of an update, append-only.

Plan actions and their updates are internal: the public site never shows them.
"""

from __future__ import annotations

import datetime as dt

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from forces.models import Force
from recommendations.models import TrackedItem
from tracker.database_rules import ChangesOtherThan, Refuse, append_only


class Stage(models.TextChoices):
    SCAN = "scan", "Scan"
    ENGAGE = "engage", "Engage"


class MonitoringStage(models.Model):
    """A period of a force in one monitoring stage."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="monitoring_stages")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    entered_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    reason = models.TextField()
    meeting = models.CharField(
        "oversight group meeting",
        max_length=200,
        help_text="The Police Performance Oversight Group meeting that decided it, for "
        'example "PPOG 14 March 2026".',
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["force", "-entered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["force"],
                condition=Q(left_on__isnull=True),
                name="one_current_stage_per_force",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="monitoring_stage_known"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("entered_on")),
                name="monitoring_stage_left_after_entered",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="monitoring_stage_has_reason"),
            models.CheckConstraint(condition=~Q(meeting=""), name="monitoring_stage_has_meeting"),
        ]
        triggers = [
            Refuse(
                name="monitoring_stage_not_deleted",
                operation=pgtrigger.Delete,
                rule="monitoring stages are kept",
            ),
            Refuse(
                name="monitoring_stage_left_once",
                operation=pgtrigger.Update,
                condition=ChangesOtherThan(
                    pgtrigger.Q(old__left_on__isnull=True), fields=["left_on"]
                ),
                rule="a monitoring stage changes only when the force leaves it, once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force} in {self.get_stage_display()} from {self.entered_on}"


class PlanAction(models.Model):
    """One action of an item's improvement plan."""

    class Status(models.TextChoices):
        NOT_STARTED = "not-started", "Not started"
        IN_PROGRESS = "in-progress", "In progress"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"

    item = models.ForeignKey(TrackedItem, on_delete=models.PROTECT, related_name="plan_actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=200, help_text="Who in the force delivers it.")
    due_on = models.DateField("due date")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="plan_action_has_title"),
            models.CheckConstraint(condition=~Q(owner=""), name="plan_action_has_owner"),
            models.CheckConstraint(
                condition=Q(status__in=["not-started", "in-progress", "done", "blocked"]),
                name="plan_action_status_known",
            ),
        ]
        triggers = [
            Refuse(
                name="plan_action_not_deleted",
                operation=pgtrigger.Delete,
                rule="plan actions are kept",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.DONE

    def is_overdue(self, on: dt.date) -> bool:
        return self.is_open and self.due_on < on


class PlanActionUpdate(models.Model):
    """A dated update on a plan action, with the action's status after it: append-only."""

    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="updates")
    date = models.DateField()
    text = models.TextField()
    status_after = models.CharField(max_length=20, choices=PlanAction.Status.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="plan_update_has_text"),
            models.CheckConstraint(
                condition=Q(status_after__in=["not-started", "in-progress", "done", "blocked"]),
                name="plan_update_status_known",
            ),
        ]
        triggers = [
            append_only(name="plan_update_append_only", rule="plan action updates are append-only"),
        ]

    def __str__(self) -> str:
        return f"Update of {self.action_id} on {self.date}"


class PlanActionReview(models.Model):
    """A liaison lead's review of a plan action update: append-only, one per update."""

    update = models.OneToOneField(PlanActionUpdate, on_delete=models.PROTECT, related_name="review")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["update", "id"]
        triggers = [
            append_only(name="plan_review_append_only", rule="plan reviews are append-only"),
        ]

    def __str__(self) -> str:
        return f"Review of update {self.update_id}"
