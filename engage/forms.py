"""The Engage forms: free text by the one rule (tracker.text), dates from three boxes."""

from __future__ import annotations

from typing import Any

from django import forms

from recommendations.forms import GovukDateField, GovukForm
from recommendations.services.common import COMMENT_MAX_LENGTH
from tracker.text import CleanCharField

from .models import PlanAction, Stage


def _text(label: str, *, required: bool = True, help_text: str = "", rows: int = 5) -> Any:
    return CleanCharField(
        multiline=True,
        label=label,
        required=required,
        max_length=COMMENT_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "max_length": f"{label} must be {COMMENT_MAX_LENGTH:,} characters or fewer",
        },
    )


def _line(label: str, *, max_length: int = 200, help_text: str = "") -> Any:
    return CleanCharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
    )


class StageForm(GovukForm):
    stage = forms.ChoiceField(
        label="Monitoring stage",
        choices=Stage.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select Scan or Engage",
            "invalid_choice": "Select Scan or Engage",
        },
    )
    entered_on = GovukDateField(label="Date from", help_text="For example, 14 3 2026")
    meeting = _line(
        "Oversight group meeting",
        help_text="The Police Performance Oversight Group meeting that decided it, for "
        "example PPOG 14 March 2026",
    )
    reason = _text("Reason")


class PlanActionForm(GovukForm):
    title = _line("Action")
    description = _text("Description", required=False, rows=3)
    owner = _line("Owner", help_text="Who in the force delivers it, for example DCI Jane Hart")
    due_on = GovukDateField(label="Due date", help_text="For example, 30 6 2026")


STATUS_CHOICES = PlanAction.Status.choices


class PlanUpdateForm(GovukForm):
    date = GovukDateField(label="Date of the update", help_text="For example, 2 4 2026")
    text = _text("What has been done")
    status = forms.ChoiceField(
        label="Status of the action after this update",
        choices=STATUS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the action's status",
            "invalid_choice": "Select the action's status",
        },
    )


class ReviewForm(GovukForm):
    comment = _text("Review comment", required=False, rows=3)
