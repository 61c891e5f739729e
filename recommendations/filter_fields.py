"""Filter definitions shared by the internal list's FilterSet (recommendations.filters)
and the public one (monitoring.filters): the recipient (`force`), region, report, type
and theme filters,
their "There is no ... called ..." messages, and the substring search used on SQLite.

This module reads models only, never recommendations.selectors or the policy: the
public side imports it, and reads what is public through monitoring.selectors alone
(which takes the rule from recommendations.public).
"""

from __future__ import annotations

import django_filters as df
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext, gettext_noop
from django_filters import fields as df_fields

from forces.models import Force, Region
from recommendations.models import Finding, InspectionReport, Theme, TimelineEntry


def unknown(what: str) -> dict[str, str]:
    """The error messages for a choice that names no such thing."""
    return {
        "invalid_choice": f"There is no {what} called '%(value)s'",
        "invalid_pk_value": f"There is no {what} called '%(pk)s'",
    }


# The order recipients are offered and listed in: the police forces, the national
# bodies, then the PCC offices, each by name.
RECIPIENT_KINDS = (Force.Kind.FORCE, Force.Kind.NATIONAL_BODY, Force.Kind.PCC_OFFICE)
# In the page's language (the public list is also Welsh: issue 30).
KIND_LABEL = {Force.Kind.NATIONAL_BODY: gettext_noop("%(name)s (national body)")}


def recipients_in_order(forces: QuerySet[Force]) -> QuerySet[Force]:
    order = Case(
        *(When(kind=kind, then=Value(n)) for n, kind in enumerate(RECIPIENT_KINDS)),
        default=Value(len(RECIPIENT_KINDS)),
        output_field=IntegerField(),
    )
    return forces.alias(kind_order=order).order_by("kind_order", "name")


def recipient_label(name: str, kind: str) -> str:
    """A recipient as the filters list it: a police force or a PCC office by its name
    (which says what it is), a national body with "(national body)"."""
    words = KIND_LABEL.get(kind)  # type: ignore[call-overload]  # a Kind is a str
    return gettext(words) % {"name": name} if words else name


class _RecipientChoices:
    """The choices of a recipient field, police forces first, then the national bodies
    (labelled as such), then the PCC offices, read once per form in one query. The
    GOV.UK adapter (tracker.govuk_forms.choices_of) reads them as `_choices_once`."""

    queryset: QuerySet[Force]
    to_field_name: str | None
    empty_label: str | None

    @property
    def recipient_rows(self) -> list[tuple[object, str, str]]:
        """(value, name, kind) of each recipient offered, in order; one query, once."""
        rows: list[tuple[object, str, str]] | None = vars(self).get("_recipient_rows")
        if rows is None:
            rows = list(
                recipients_in_order(self.queryset).values_list(
                    self.to_field_name or "pk", "name", "kind"
                )
            )
            vars(self)["_recipient_rows"] = rows
        return rows

    @property
    def _choices_once(self) -> list[tuple[object, object]]:
        empty: list[tuple[object, object]] = (
            [("", self.empty_label)] if getattr(self, "empty_label", None) else []
        )
        return empty + [
            (value, recipient_label(name, kind)) for value, name, kind in self.recipient_rows
        ]

    def label_from_instance(self, obj: Force) -> str:
        return recipient_label(obj.name, obj.kind)


class RecipientMultipleChoiceField(_RecipientChoices, df_fields.ModelMultipleChoiceField):
    pass


class RecipientChoiceField(_RecipientChoices, df_fields.ModelChoiceField):
    pass


class RecipientsFilter(df.ModelMultipleChoiceFilter):
    """The list's `force` filter: any recipient by slug (a police force, a national body
    or a PCC office); the name is kept so that existing links keep working."""

    field_class = RecipientMultipleChoiceField


class RecipientFilter(df.ModelChoiceFilter):
    """The public list's `force` filter: one recipient by slug."""

    field_class = RecipientChoiceField


def region_filter() -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(
        queryset=Region.objects.order_by("name"),
        to_field_name="slug",
        field_name="force__region",
        label="Region",
        empty_label="Any region",
        error_messages=unknown("region"),
    )


def report_filter() -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(
        queryset=InspectionReport.objects.order_by("-published", "title"),
        to_field_name="slug",
        field_name="finding__report",
        label="Report",
        empty_label="Any report",
        error_messages=unknown("report"),
    )


def type_filter() -> df.ChoiceFilter:
    return df.ChoiceFilter(
        field_name="finding__kind",
        choices=Finding.Kind.choices,
        label="Type",
        empty_label="Any type",
        error_messages={"invalid_choice": "There is no type called '%(value)s'"},
    )


def theme_filter() -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(
        queryset=Theme.objects.order_by("name"),
        to_field_name="slug",
        field_name="themes",
        label="Theme",
        empty_label="Any theme",
        error_messages=unknown("theme"),
    )


def substring_matches(value: str, entries: QuerySet[TimelineEntry]) -> Q:
    """Without PostgreSQL (the SQLite demo): the words as a substring of the finding's
    texts or of one of `entries` (the caller says which entries may be searched)."""
    return (
        Q(finding__text__icontains=value)
        | Q(finding__cause_of_concern__icontains=value)
        | Q(pk__in=entries.filter(text__icontains=value).values("item_id"))
    )
