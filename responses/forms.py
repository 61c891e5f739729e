"""The response form: the date received, the link, and one set of radios per item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from recommendations.forms import GovukDateField, GovukForm
from recommendations.models import TrackedItem
from tracker.text import CleanCharField

from .models import Answer
from .services import answer_field


class ResponseForm(GovukForm):
    received = GovukDateField(
        label="Date the response was published",
        help_text="For example, 27 3 2025",
    )
    url = CleanCharField(
        label="Link to the published response",
        max_length=500,
        help_text="The address of the police and crime commissioner's published comments, "
        "starting with https://",
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the link to the published response",
            "max_length": "The link must be 500 characters or fewer",
        },
    )

    def __init__(self, *args: Any, items: Iterable[TrackedItem], **kwargs: Any) -> None:
        self.items = list(items)
        super().__init__(*args, **kwargs)
        for item in self.items:
            self.fields[answer_field(item.pk)] = forms.ChoiceField(
                label=f"What does the response say about {item.finding.reference}?",
                help_text=_short(item.finding.text),
                choices=[(value, label.capitalize()) for value, label in Answer.choices],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Select what the response says about {item.finding.reference}",
                    "invalid_choice": f"Choose one of the answers for {item.finding.reference}",
                },
            )

    def answers(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[answer_field(item.pk)] for item in self.items}


def _short(text: str, words: int = 30) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
