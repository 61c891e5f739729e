"""The evidence fields that the progress-update, comment and propose-closure forms gain
(`files`, several at once, and `marking`), and the administrator's removal form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from recommendations.forms import GovukForm, MultipleFileInput
from recommendations.services import COMMENT_MAX_LENGTH
from tracker.uploads import too_many_files

from .checks import CheckedFile, Refused, inspect
from .models import Evidence


class EvidenceFilesField(forms.FileField):
    """Several files in one input; each is checked (name, size, type from its content)
    and every refusal names its file. Cleans to a list of CheckedFile. Only bound with
    files once the policy has allowed the action (evidence.views.upload_gate): the
    checks open what strangers send."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.widget.attrs["multiple"] = True

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if len(uploads) > settings.EVIDENCE_MAX_FILES:
            raise ValidationError(too_many_files(settings.EVIDENCE_MAX_FILES))
        checked: list[CheckedFile] = []
        problems: list[str] = []
        for upload in uploads:
            try:
                checked.append(inspect(upload, max_bytes=settings.EVIDENCE_MAX_BYTES))
            except Refused as refusal:
                problems.append(refusal.message)
        if problems:
            raise ValidationError(problems)
        return checked


def add_evidence_fields(form: forms.BaseForm) -> forms.BaseForm:
    """Give an action's form the `files` and `marking` fields."""
    limit = settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
    form.fields["files"] = EvidenceFilesField(
        label="Evidence files (optional)",
        help_text=(
            f"Up to {settings.EVIDENCE_MAX_FILES} files, {limit} MB each: PDF, Word (.docx), "
            "Excel (.xlsx), PowerPoint (.pptx), OpenDocument, CSV, text (.txt), PNG or JPEG, "
            "without macros. Every file is checked for viruses."
        ),
    )
    form.fields["marking"] = forms.ChoiceField(
        label="Marking of the files",
        choices=Evidence.Marking.choices,
        initial=Evidence.Marking.OFFICIAL,
        required=False,
        widget=forms.RadioSelect,
        help_text="OFFICIAL-SENSITIVE files are for people who need to know",
        error_messages={"invalid_choice": "Choose the marking: OFFICIAL or OFFICIAL-SENSITIVE"},
    )
    return form


class RemoveForm(GovukForm):
    reason = forms.CharField(
        label="Why you are removing it",
        max_length=COMMENT_MAX_LENGTH,
        help_text="It goes on the timeline and in the history with the file's name and hash",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why you are removing it",
            "max_length": f"The reason must be {COMMENT_MAX_LENGTH:,} characters or fewer",
        },
    )
