"""Forms parse and check input; the rules of the domain stay in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from forces.models import Force

from .models import Finding, InspectionReport
from .services import COMMENT_MAX_LENGTH


class GovukDateWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes."""

    parts_meta = (("Day", 2), ("Month", 2), ("Year", 4))
    _values: list[object]  # set by bind_date_widgets

    def __init__(self) -> None:
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()])

    def decompress(self, value: dt.date | None) -> list[object]:
        if value:
            return [value.day, value.month, value.year]
        return [None, None, None]

    @property
    def parts(self) -> list[tuple[object, str, int]]:
        values = getattr(self, "_values", [None, None, None])
        return [(v, label, w) for v, (label, w) in zip(values, self.parts_meta, strict=True)]


class GovukDateField(forms.MultiValueField):
    """A date from three boxes, with GOV.UK's messages naming what is wrong."""

    widget = GovukDateWidget

    def __init__(self, *, label: str, required: bool = True, **kwargs: Any) -> None:
        self.label_lower = label[0].lower() + label[1:]
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields, label=label, required=required, require_all_fields=False, **kwargs)

    def clean(self, value: list[str] | None) -> dt.date | None:
        parts = [str(v or "").strip() for v in (value or ["", "", ""])]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter the {self.label_lower}")
            return None
        missing = [n for n, v in zip(("day", "month", "year"), parts, strict=True) if not v]
        if missing:
            raise ValidationError(f"The {self.label_lower} must include a {' and '.join(missing)}")
        # Plain digits only (int() would also take "1_0", "+1" or "١"), and no more than
        # a date has: a huge number would overflow dt.date() instead of failing cleanly.
        widths = zip(parts, (2, 2, 4), strict=True)
        if not all(p.isascii() and p.isdigit() and len(p) <= w for p, w in widths):
            raise ValidationError(f"The {self.label_lower} must be a real date")
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            return dt.date(year, month, day)
        except (ValueError, OverflowError):
            raise ValidationError(f"The {self.label_lower} must be a real date") from None

    def compress(self, data_list: list[str]) -> None:  # clean() does the work
        return None


def bind_date_widgets(form: forms.BaseForm) -> None:
    """Give each date widget the values to show (what was typed, or the initial date)."""
    for name, field in form.fields.items():
        if isinstance(field, GovukDateField):
            bound = form[name]
            widget = cast(GovukDateWidget, field.widget)  # an instance once the field is made
            if form.is_bound:
                values = [form.data.get(f"{form.add_prefix(name)}_{i}", "") for i in range(3)]
            else:
                values = widget.decompress(bound.value())
            widget._values = values


class GovukForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_date_widgets(self)


def _text(
    label: str, *, required: bool = True, help_text: str = "", rows: int = 8
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "max_length": f"{label} must be {COMMENT_MAX_LENGTH:,} characters or fewer",
        },
    )


class CommentForm(GovukForm):
    text = _text("Comment")
    date = GovukDateField(
        label="Date", required=False, help_text="Leave blank for today. For example, 27 3 2025"
    )

    def __init__(self, *args: object, label: str = "Comment", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
        self.fields["text"].error_messages["required"] = f"Enter the {label.lower()}"


class OwnerForm(GovukForm):
    owner_name = forms.CharField(
        label="Owner's name",
        required=False,
        max_length=200,
        help_text="The senior officer who owns this item",
    )
    owner_rank = forms.CharField(
        label="Rank or title", required=False, max_length=100, help_text="For example, Supt"
    )
    owner_department = forms.CharField(
        label="Department", required=False, max_length=200, help_text="For example, Intelligence"
    )
    target_date = GovukDateField(
        label="Target date", required=False, help_text="For example, 30 9 2026"
    )
    reason = _text(
        "Reason for moving the target date",
        required=False,
        rows=3,
        help_text="Needed when an existing target date moves; it goes on the timeline",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(GovukForm):
    reason = _text("Reason")

    def __init__(
        self,
        *args: object,
        label: str = "Reason",
        required: bool = True,
        missing: str = "Enter the reason",
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = label
        field.required = required
        field.error_messages["required"] = missing


class NoFurtherActionForm(GovukForm):
    reason = _text("Why no further action is needed")
    superseded_by = forms.IntegerField(
        label="Number of the later item that supersedes it",
        required=False,
        min_value=1,
        help_text="Optional. The item number shown in its address, e.g. 1234",
        error_messages={"invalid": "Enter the item number as digits, like 1234"},
    )


class ReportForm(GovukForm):
    title = forms.CharField(
        label="Title", max_length=300, error_messages={"required": "Enter the report's title"}
    )
    slug = forms.SlugField(
        label="Short name",
        max_length=200,
        help_text="Used in addresses and filters, e.g. peel-effectiveness-2016",
        error_messages={
            "required": "Enter a short name",
            "invalid": "The short name can only use lowercase letters, numbers and hyphens",
        },
    )
    published = GovukDateField(label="Date published")
    kind = forms.ChoiceField(
        label="Kind of report",
        choices=InspectionReport.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of report"},
    )
    url = forms.URLField(
        label="Link to the published report",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a full web address, like https://..."},
    )


class FindingForm(GovukForm):
    kind = forms.ChoiceField(
        label="Type",
        choices=Finding.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of finding"},
    )
    number = forms.IntegerField(
        label="Number in the report",
        required=False,
        min_value=1,
        help_text="For example, 5 for Recommendation 5",
        error_messages={"invalid": "Enter the number as digits"},
    )
    cause_of_concern = _text("Cause of concern", required=False, rows=4)
    text = _text(
        "Recommendation or area for improvement text",
        help_text="Put each separate action on its own line starting with •",
    )
    forces = forms.ModelMultipleChoiceField(
        label="Forces",
        queryset=Force.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to issue it to every force",
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ImportForm(GovukForm):
    files = MultipleFileField(  # type: ignore[assignment]  # a field: the metaclass moves it off the class, away from BaseForm.files
        label="Portal pages",
        help_text="One or more .txt copies of monitoring-portal pages",
        error_messages={"required": "Select at least one page file"},
    )
    MAX_FILES = 100
    report = forms.ModelChoiceField(
        queryset=InspectionReport.objects.all(),
        to_field_name="slug",
        label="Report",
        help_text="The report the pages' items belong to",
        error_messages={
            "required": "Select the report",
            "invalid_choice": "Select a report from the list",
        },
    )
    force = forms.ModelChoiceField(
        queryset=Force.objects.all(),
        to_field_name="slug",
        label="Force",
        required=False,
        help_text="Needed only for pages with no page address line",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["multiple"] = True

    def clean_files(self) -> list[object]:
        files = self.cleaned_data["files"]
        if len(files) > self.MAX_FILES:
            raise forms.ValidationError(f"Select at most {self.MAX_FILES} page files at once")
        return files


class LeadChoiceField(forms.ModelChoiceField):  # of users
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name()} ({obj.username})" if obj.get_full_name() else obj.username


class LeadForm(GovukForm):
    """Assign the liaison lead: only leads whose scope covers the item's force."""

    lead = LeadChoiceField(
        queryset=None,
        label="Liaison lead",
        required=False,
        empty_label="Nobody",
        help_text="Only liaison leads who act for this force are listed",
        error_messages={"invalid_choice": "Choose a liaison lead from the list"},
    )

    def __init__(self, *args: object, leads: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        cast(LeadChoiceField, self.fields["lead"]).queryset = leads
