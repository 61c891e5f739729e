"""The police and crime commissioner's response to an inspection report, per force.

Under s.55 of the Police Act 1996 (as amended in 2017) the police and crime commissioner
(or mayor, or the Common Council for the City of London) of each force a report is about
must publish comments within 56 days of the report's publication, saying for each
recommendation what action has been or will be taken. A report needs responses when
`InspectionReport.response_required` is set (always for force reports: a check
constraint in `recommendations`).

A `PccResponse` row exists once a response has been received and recorded; until then
the force's response is *due*, then *overdue* the day after `due_date(published)`. The
state is worked out from the report's publication date, never stored, so it cannot
disagree with it (`responses.selectors`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from forces.models import Force
from recommendations.models import InspectionReport, TrackedItem

RESPONSE_DAYS = 56


def due_date(published: dt.date) -> dt.date:
    """The last day for the response: 56 days after the report's publication."""
    return published + dt.timedelta(days=RESPONSE_DAYS)


https_only = URLValidator(schemes=["https"], message="Enter a link that starts with https://")


class PccResponse(models.Model):
    """A force's police and crime commissioner's published response to one report."""

    report = models.ForeignKey(
        InspectionReport, on_delete=models.PROTECT, related_name="pcc_responses"
    )
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="pcc_responses")
    received = models.DateField(help_text="The date the response was published or received.")
    url = models.URLField("link to the published response", max_length=500, validators=[https_only])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "force__name"]
        verbose_name = "police and crime commissioner's response"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "force"], name="one_response_per_report_force"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="https://"), name="response_url_is_https"
            ),
        ]

    def __str__(self) -> str:
        return f"Response of {self.force} to {self.report}"


class Answer(models.TextChoices):
    """What the response says of one recommendation. The CSV writes the words."""

    ACCEPTED = "accepted", "accepted"
    PARTLY_ACCEPTED = "partly-accepted", "partly accepted"
    NOT_ACCEPTED = "not-accepted", "not accepted"
    NOT_ADDRESSED = "not-addressed", "not addressed"


class ResponseAnswer(models.Model):
    """The response's answer for one of the force's findings in the report (its item)."""

    response = models.ForeignKey(PccResponse, on_delete=models.PROTECT, related_name="answers")
    item = models.ForeignKey(TrackedItem, on_delete=models.PROTECT, related_name="pcc_answers")
    answer = models.CharField(max_length=20, choices=Answer.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["response", "item"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(answer__in=Answer.values), name="response_answer_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_answer_display()}"


class ResponseReminder(models.Model):
    """A record that a force's response to a report was put in the digests at one stage:
    14 days before it is due, 3 days before, and once overdue. The unique constraint
    claims each stage once, however many sweeps run (as `Reminder` does)."""

    class Kind(models.TextChoices):
        DUE_IN_14 = "due-14", "due within 14 days"
        DUE_IN_3 = "due-3", "due within 3 days"
        OVERDUE = "overdue", "overdue"

    report = models.ForeignKey(InspectionReport, on_delete=models.CASCADE, related_name="+")
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OVERDUE)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "force", "kind"],
                name="one_response_reminder_per_report_force_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Response of {self.force} to {self.report}: {self.get_kind_display()}"


class ResponseReminderDelivery(models.Model):
    """One person's copy of an overdue-response reminder, pending until their digest."""

    reminder = models.ForeignKey(
        ResponseReminder, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "response reminder delivery"
        verbose_name_plural = "response reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "user"], name="one_response_delivery_per_person"
            ),
        ]
        indexes = [models.Index(fields=["user", "sent_at"], name="response_delivery_pending")]

    def __str__(self) -> str:
        return f"{self.reminder} to {self.user}"
