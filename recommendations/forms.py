"""Forms parse and check input; the rules of the domain stay in the services."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext

from forces.models import Force
from tracker import dates
from tracker.humanise import long_date
from tracker.text import CleanCharField, CleanURLField, extract

from .models import ClosureProposal, Finding, InspectionReport, TrackedItem
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
            if year < 1000:  # not a four-digit year
                raise ValueError
            date = dt.date(year, month, day)
        except (ValueError, OverflowError):
            raise ValidationError(f"The {self.label_lower} must be a real date") from None
        too_early = dates.too_early(date, field_label=f"the {self.label_lower}")
        if too_early:
            raise ValidationError(too_early)
        return date

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
    """Multi-line free text, clean by the one rule for text (tracker.text)."""
    return CleanCharField(
        multiline=True,
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

    def __init__(
        self,
        *args: object,
        label: str = "Comment",
        ask_visibility: bool = False,
        ask_welsh: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ask_welsh = ask_welsh
        self.fields["text"].label = label
        self.fields["text"].error_messages["required"] = f"Enter the {label.lower()}"
        if ask_visibility:
            # No default: the liaison lead chooses, each time, what the public will see.
            self.fields["visibility"] = forms.ChoiceField(
                label="Who can see this comment?",
                choices=[
                    (
                        "public",
                        "Public: published on the monitoring portal with its date, "
                        "without your name",
                    ),
                    ("internal", "Internal: only the inspectorate and the force"),
                ],
                widget=forms.RadioSelect,
                help_text="A public comment is shown word for word to anyone on the "
                "monitoring portal as soon as you save it, and cannot be taken back (a "
                "correction is a new comment). Do not put names of staff, operational "
                "detail or drafts in a public comment.",
                error_messages={"required": "Choose whether the public will see this comment"},
            )
        if ask_welsh:
            # A Welsh force's item (issue 30): what is published goes live in English and
            # Welsh at once, so a public comment needs both versions.
            self.fields["text_cy"] = _text(
                gettext("Comment in Welsh"),
                required=False,
                help_text=gettext(
                    "This force publishes in English and Welsh: a public comment needs its "
                    "Welsh version, published with it. Not used for an internal comment."
                ),
            )
            # Read by templates/recommendations/action.html: Welsh is typed in this box,
            # and it is needed for a public comment, so not "(optional)".
            self.fields["text_cy"].govuk_params = {  # type: ignore[attr-defined]  # read by action.html
                "attributes": {"lang": "cy", "spellcheck": "false"},
                "label": {"text": gettext("Comment in Welsh (for a public comment)")},
            }

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if (
            self.ask_welsh
            and cleaned.get("visibility") == "public"
            and not cleaned.get("text_cy")
            and "text_cy" not in self.errors
        ):
            self.add_error(
                "text_cy",
                gettext("Enter the comment in Welsh: a public comment is published in both"),
            )
        return cleaned


class WelshForm(GovukForm):
    """The Welsh of one of the item's public updates that has none yet (issue 30): the
    updates to choose from are listed with their date and first words."""

    text = _text("The update in Welsh")

    def __init__(self, *args: Any, entries: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"] = forms.ChoiceField(
            label=gettext("Which public update?"),
            choices=[(str(e.pk), f"{long_date(e.date)}: {extract(e.text)}") for e in entries],
            widget=forms.RadioSelect,
            error_messages={
                "required": gettext("Choose the public update the Welsh is for"),
                "invalid_choice": gettext("Choose a public update that has no Welsh yet"),
            },
        )
        self.order_fields(["entry", "text"])
        self.fields["text"].govuk_params = {  # type: ignore[attr-defined]  # read by action.html
            "attributes": {"lang": "cy", "spellcheck": "false"}
        }


class AuthoriseForm(GovukForm):
    reason = _text(
        "Note",
        required=False,
        rows=4,
        help_text='Optional. The public sees "Authorised for closure." and the date.',
    )
    publish_note = forms.BooleanField(
        label="Publish this note on the monitoring portal with the authorisation",
        required=False,
    )
    recheck_on = GovukDateField(
        label="Re-check date",
        required=False,
        help_text="Optional. When to check that the closure has worked, for example at "
        "the next inspection. For example, 31 3 2028",
    )
    # Asked only when the item changed since closure was proposed (the pages show the
    # changes beside it); the service refuses to authorise such an item without it.
    changes_read = forms.BooleanField(label="I have read the changes", required=False)

    def clean_recheck_on(self) -> dt.date | None:
        from .selectors import today

        on = self.cleaned_data.get("recheck_on")
        if on is not None and on <= today():
            raise ValidationError("The re-check date must be in the future")
        return on


# The owner form's reason: without JavaScript always shown, and said when it is needed;
# with JavaScript shown only once the target date changes, and said to be needed.
REASON_HINT = "Required if you change the target date. It goes on the timeline."
REASON_HINT_SHOWN = "Required, because you changed the target date. It goes on the timeline."


class OwnerForm(GovukForm):
    owner_name = CleanCharField(
        label="Owner's name",
        required=False,
        max_length=200,
        help_text="The senior officer who owns this item",
    )
    owner_rank = CleanCharField(
        label="Rank or title", required=False, max_length=100, help_text="For example, Supt"
    )
    owner_department = CleanCharField(
        label="Department", required=False, max_length=200, help_text="For example, Intelligence"
    )
    target_date = GovukDateField(
        label="Target date", required=False, help_text="For example, 30 9 2026"
    )
    reason = _text(
        "Reason for moving the target date",
        required=False,
        rows=3,
        help_text=REASON_HINT,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    CONFIRM_LABEL = "Yes, the target date is in the past"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The reason is asked only of an item that has a target date (moving it needs
        one; giving a first date does not). It is labelled without "(optional)": the
        service requires it when the date moves. With JavaScript it is a GOV.UK
        conditional reveal (static/js/reveal-on-change.mjs), shown once the target
        date differs from the stored one (`govuk_params`: the page's overrides of the
        field's GOV.UK parameters); without, it is always shown with its hint."""
        super().__init__(*args, **kwargs)
        if self.is_bound and "confirm_past_date" in self.data:
            self._add_confirm_field()
        stored = self.initial.get("target_date")
        if not isinstance(stored, dt.date):
            del self.fields["reason"]
            return
        reason: Any = self.fields["reason"]
        reason.govuk_params = {  # read by templates/recommendations/action.html
            "label": {"text": str(reason.label)},
            "formGroup": {
                "attributes": {
                    "data-app-reveal-when-changed": "id_target_date",
                    "data-app-reveal-from": f"{stored.day}/{stored.month}/{stored.year}",
                    "data-app-reveal-hint": REASON_HINT_SHOWN,
                }
            },
        }

    def _add_confirm_field(self) -> None:
        if "confirm_past_date" not in self.fields:
            self.fields["confirm_past_date"] = forms.BooleanField(
                label=self.CONFIRM_LABEL, required=False
            )
            self.order_fields(
                ["owner_name", "owner_rank", "owner_department", "target_date", "confirm_past_date"]
            )

    def clean(self) -> dict[str, Any]:
        """A new target date in the past is asked about: the form comes back with a box
        to tick, "Yes, the target date is in the past" (`confirm_past_date`)."""
        from .selectors import today

        data = super().clean() or {}
        target = data.get("target_date")
        if dates.past_needs_confirming(
            target, self.initial.get("target_date"), today()
        ) and not data.get("confirm_past_date"):
            assert target is not None  # past_needs_confirming says so
            self._add_confirm_field()
            self.add_error(
                "confirm_past_date",
                f"The target date, {target.day} {target:%B %Y}, is in the past: tick "
                f"“{self.CONFIRM_LABEL}” to keep it, or enter a later target date",
            )
        return data


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


VERIFIED_BY_CHOICES = [
    (value, str(label)[0].upper() + str(label)[1:])
    for value, label in ClosureProposal.VerifiedBy.choices
]


class ProposeClosureForm(GovukForm):
    """Propose closure: why, and how the requirement was verified (the inspectorate's
    list; `verified_by` and its values are a contract)."""

    reason = _text("Why it should close")
    verified_by = forms.ChoiceField(
        label="How was the requirement verified?",
        choices=VERIFIED_BY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the requirement was verified",
            "invalid_choice": "Select how the requirement was verified from the list",
        },
    )
    verified_other = CleanCharField(
        label="If other, how it was verified",
        required=False,
        max_length=200,
        help_text="For example, a joint audit with the force's internal auditors",
        error_messages={"max_length": "How it was verified must be 200 characters or fewer"},
    )
    # A cause of concern whose improvement plan still has open actions (engage) closes
    # only with the lead's reason why.
    open_actions_reason = _text(
        "Reason to close with improvement plan actions still open",
        required=False,
        rows=3,
        help_text="Only for a cause of concern whose improvement plan has actions not done",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Enter why it should close"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verified_by") == ClosureProposal.VerifiedBy.OTHER and not data.get(
            "verified_other"
        ):
            self.add_error("verified_other", "Enter how the requirement was verified")
        return data


class BulkOwnerForm(GovukForm):
    """The owner set on several items at once; their target dates stay as they are."""

    owner_name = CleanCharField(
        label="Owner's name",
        max_length=200,
        help_text="The senior officer who owns these items",
        error_messages={"required": "Enter the owner's name"},
    )
    owner_rank = CleanCharField(
        label="Rank or title", required=False, max_length=100, help_text="For example, Supt"
    )
    owner_department = CleanCharField(
        label="Department", required=False, max_length=200, help_text="For example, Intelligence"
    )


class NoFurtherActionForm(GovukForm):
    """Why no further action is needed, and optionally the later item that supersedes
    it, named as people see it: the ID at the top of its page (the portal ID, "ID 1234")
    or the page's address. The service takes the item's own id."""

    reason = _text("Why no further action is needed")
    superseded_by = CleanCharField(
        label="ID of the later item that supersedes it",
        required=False,
        max_length=500,
        help_text="Optional. The ID shown at the top of the later item's page, after its "
        "force's name (for example, 1234), or copy and paste the page's address",
    )

    ADDRESS = re.compile(r"/recommendations/(\d{1,12})(?:/|$)")
    PORTAL_ID = re.compile(r"(?:id\s*)?(\d{1,9})", re.IGNORECASE)

    def __init__(self, *args: Any, item: TrackedItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item

    def clean_superseded_by(self) -> int | None:
        raw = self.cleaned_data["superseded_by"].strip()
        if not raw:
            return None
        address = self.ADDRESS.search(raw)
        if address:
            return int(address.group(1))
        portal_id = self.PORTAL_ID.fullmatch(raw)
        if portal_id is None:
            raise ValidationError(
                "Enter the later item's ID as digits, like 1234, or paste its page's address"
            )
        number = int(portal_id.group(1))
        if self.item is None:
            return number
        pk = (
            TrackedItem.objects.filter(force_id=self.item.force_id, portal_id=number)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise ValidationError(
                f"No {self.item.force.name} item has the ID {number}: check the ID at the top "
                "of the later item's page, or paste its page's address"
            )
        return pk


class ReopenForm(GovukForm):
    """Reopen a closed item: why (internal), what the public will see (published on the
    monitoring portal, as a public comment is), and optionally the later finding that
    found the problem still present, by its number or its page's address."""

    reason = _text(
        "Why it is reopened",
        help_text="Internal: seen only by the inspectorate and the force.",
    )
    public_reason = _text(
        "What the public will see",
        help_text="Published on the monitoring portal with today's date, as the "
        "inspectorate's comment, without your name. It cannot be taken back.",
        rows=4,
    )
    finding = CleanCharField(
        label="Later finding that found the problem still present",
        required=False,
        max_length=500,
        help_text="Optional. The number at the end of the finding's page address (for "
        "example, 1234), or paste the page's address",
    )

    ADDRESS = re.compile(r"/findings/(\d{1,12})(?:/|$)")
    NUMBER = re.compile(r"\d{1,12}")

    def __init__(self, *args: Any, item: TrackedItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Enter why it is reopened"
        self.fields["public_reason"].error_messages["required"] = "Enter what the public will see"

    def clean_finding(self) -> int | None:
        raw = self.cleaned_data["finding"].strip()
        if not raw:
            return None
        address = self.ADDRESS.search(raw)
        if address:
            return int(address.group(1))
        if self.NUMBER.fullmatch(raw):
            return int(raw)
        raise ValidationError(
            "Enter the later finding's number as digits, like 1234, or paste its page's address"
        )


class ReportForm(GovukForm):
    title = CleanCharField(
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
    url = CleanURLField(
        label="Link to the published report",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a full web address, like https://..."},
    )
    response_required = forms.BooleanField(
        label="The forces' police and crime commissioners must respond",
        required=False,
        help_text="Force reports always need a response within 56 days; tick this for a "
        "national or thematic report that does too",
    )


class FindingForm(GovukForm):
    """One finding of a report and the recipients it is issued to: only the report's
    recipients (`services.reports.report_forces`), a number required, and no recipient
    chosen is an error, never "every force". A national or thematic report offers "All
    the report's forces" (the police forces: never the national bodies or PCC offices) as
    a choice of its own, and every recipient grouped by kind (`recipient_groups`); a force
    report, its one force (radios). Issuing to more than one recipient is made only once
    confirmed on the check page (`confirm`). A cause of concern may be accelerated, with
    the date of its letter."""

    MAX_NUMBER = 9999
    kind = forms.ChoiceField(
        label="Type",
        choices=Finding.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of finding"},
    )
    number = forms.IntegerField(
        label="Number in the report",
        min_value=1,
        max_value=MAX_NUMBER,
        help_text="For example, 5 for Recommendation 5",
        error_messages={
            "required": "Enter the finding's number in the report, for example 5",
            "invalid": "Enter the number as digits",
            "min_value": f"Enter a number from 1 to {MAX_NUMBER}",
            "max_value": f"Enter a number from 1 to {MAX_NUMBER}",
        },
    )
    cause_of_concern = _text("Cause of concern", required=False, rows=4)
    accelerated = forms.BooleanField(
        label="Accelerated: raised by letter before the report was published",
        required=False,
        help_text="Only for a cause of concern. Give the date of the letter below",
    )
    letter_date = GovukDateField(
        label="Date of the letter",
        required=False,
        help_text="Only for an accelerated cause of concern, and then needed. "
        "For example, 27 3 2025",
    )
    text = _text(
        "Recommendation or area for improvement text",
        help_text="Put each separate action on its own line starting with •",
    )
    all_forces = forms.BooleanField(label="All the report's forces", required=False)
    forces = forms.ModelMultipleChoiceField(
        label="Recipients",
        queryset=Force.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each recipient to issue it to, or tick All the report's forces above",
        error_messages={
            "invalid_choice": "Select recipients from the list",
            "invalid_pk_value": "Select recipients from the list",
        },
    )
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)

    # The groups the recipients are offered in, in this order (their legends).
    GROUPS = (
        (Force.Kind.FORCE, "Police forces"),
        (Force.Kind.NATIONAL_BODY, "National bodies"),
        (Force.Kind.PCC_OFFICE, "Police and crime commissioners' offices"),
    )

    def __init__(
        self, *args: Any, report: InspectionReport, forces: QuerySet[Force], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        self.offered = forces
        self.single = report.kind == InspectionReport.Kind.FORCE
        self.total = 1
        if self.single:  # a force report: its one force, chosen as such
            del self.fields["all_forces"]
            only = list(forces[:2])
            self.fields["forces"] = forms.ModelChoiceField(
                label="Force",
                queryset=forces,
                widget=forms.RadioSelect,
                empty_label=None,
                initial=only[0].pk if len(only) == 1 else None,
                help_text="A force report's findings go to its own force"
                if len(only) == 1
                else "The force this report is about: its later findings go to it too",
                error_messages={
                    "required": "Select the force this report is about",
                    "invalid_choice": "Select the force from the list",
                },
            )
        else:
            self.total = forces.filter(kind=Force.Kind.FORCE).count()
            self.fields["forces"].queryset = forces  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
            self.fields["all_forces"].label = f"All the report's forces ({self.total})"
            self.fields["all_forces"].help_text = (
                f"The {self.total} police forces. National bodies and PCC offices are "
                "never included: tick them below"
            )

    def recipient_groups(self) -> list[dict[str, Any]]:
        """The recipients offered, grouped by kind for the page (a fieldset each, every
        box named `forces`, ids numbered across the groups so that the error summary's
        link reaches the first box); a group with nothing to offer is left out."""
        bound = self["forces"]
        chosen = {str(v) for v in (bound.value() or [])}
        rows = list(self.offered.values_list("pk", "name", "kind"))
        groups, index = [], 0
        for kind, legend in self.GROUPS:
            items = []
            for pk, name, row_kind in rows:
                if row_kind != kind:
                    continue
                items.append(
                    {
                        "value": str(pk),
                        "text": name,
                        "checked": str(pk) in chosen,
                        "id": f"{bound.auto_id}_{index}",
                    }
                )
                index += 1
            if items:
                groups.append({"kind": kind, "legend": legend, "items": items})
        return groups

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._clean_accelerated(data)
        if self.single:
            force = data.get("forces")
            data["forces"] = [force] if force is not None else []
            return data
        if "forces" not in data:  # an unknown force: its own error says so
            return data
        chosen, everything = list(data["forces"]), data.get("all_forces")
        if everything and any(f.kind == Force.Kind.FORCE for f in chosen):
            self.add_error(
                "forces",
                "Tick All the report's forces, or tick some police forces, not both",
            )
        elif everything:
            # The police forces, with any national bodies or PCC offices ticked too.
            police = [f for f in self.offered if f.kind == Force.Kind.FORCE]
            data["forces"] = police + chosen
        elif not chosen:
            self.add_error(
                "forces", "Select the forces to issue it to, or tick All the report's forces"
            )
        return data

    def _clean_accelerated(self, data: dict[str, Any]) -> None:
        accelerated, letter = data.get("accelerated"), data.get("letter_date")
        if not accelerated:
            if letter is not None and "letter_date" not in self.errors:
                self.add_error(
                    "letter_date",
                    "Give the letter's date only for an accelerated cause of concern: "
                    "tick Accelerated, or clear the date",
                )
            return
        if data.get("kind") and data["kind"] != Finding.Kind.CAUSE_OF_CONCERN:
            self.add_error(
                "accelerated",
                "Only a cause of concern can be accelerated: choose Cause of concern, "
                "or untick Accelerated",
            )
        if letter is None and "letter_date" not in self.errors:
            self.add_error(
                "letter_date",
                "Enter the date of the letter that raised the accelerated cause of concern",
            )
        elif letter is not None and letter > _today():
            self.add_error("letter_date", "The date of the letter must be today or in the past")

    @property
    def confirmed(self) -> bool:
        return self.cleaned_data.get("confirm") == "yes"


def _today() -> dt.date:
    from .selectors import today

    return today()


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
        empty_label="Choose a report",
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
        empty_label="The force named in each page's address",
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


def lead_label(user: User) -> str:
    """A liaison lead as the lead pickers list them: "Full Name (username)"."""
    return f"{user.get_full_name()} ({user.username})" if user.get_full_name() else user.username


class LeadChoiceField(forms.ModelChoiceField):  # of users
    def label_from_instance(self, obj: User) -> str:
        return lead_label(obj)


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


NOBODY = "nobody"


class ForceLeadForm(GovukForm):
    """The liaison lead of every open item of a force at once: nothing is preselected,
    "Nobody" must be chosen as such, and the change is made only once confirmed on the
    check page (`confirm`)."""

    lead = forms.ChoiceField(
        label="Liaison lead",
        help_text="Only liaison leads who act for this force are listed",
        error_messages={
            "required": "Choose a liaison lead, or Nobody",
            "invalid_choice": "Choose a liaison lead from the list",
        },
    )
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, leads: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.leads = {str(u.pk): u for u in leads}
        cast(forms.ChoiceField, self.fields["lead"]).choices = [
            ("", "Choose a liaison lead"),
            *((pk, lead_label(u)) for pk, u in self.leads.items()),
            (NOBODY, "Nobody: remove the liaison lead from these items"),
        ]

    def clean_lead(self) -> User | None:
        value: str = self.cleaned_data["lead"]
        return None if value == NOBODY else self.leads[value]

    @property
    def confirmed(self) -> bool:
        return self.cleaned_data.get("confirm") == "yes"
