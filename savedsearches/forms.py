from __future__ import annotations

from django import forms

from tracker.text import CleanCharField

from .models import NAME_MAX_LENGTH


class SavedSearchForm(forms.Form):
    name = CleanCharField(
        label="Name for this view",
        text_label="the name",
        help_text="For example, Gloucestershire overdue",
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a name for this view",
            "max_length": f"The name must be {NAME_MAX_LENGTH} characters or fewer",
        },
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
