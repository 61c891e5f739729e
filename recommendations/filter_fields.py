"""Filter definitions shared by the internal list's FilterSet (recommendations.filters)
and the public one (monitoring.filters): the region, report, type and theme filters,
their "There is no ... called ..." messages, and the substring search used on SQLite.

This module reads models only, never recommendations.selectors or the policy: the
public side imports it, and reads what is public through monitoring.selectors alone
(which takes the rule from recommendations.public).
"""

from __future__ import annotations

import django_filters as df
from django.db.models import Q, QuerySet

from forces.models import Region
from recommendations.models import Finding, InspectionReport, Theme, TimelineEntry


def unknown(what: str) -> dict[str, str]:
    """The error messages for a choice that names no such thing."""
    return {
        "invalid_choice": f"There is no {what} called '%(value)s'",
        "invalid_pk_value": f"There is no {what} called '%(pk)s'",
    }


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
