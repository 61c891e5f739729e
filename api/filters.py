"""The list page's FilterSet (recommendations.filters.ItemFilter), every filter the
same, plus `updated_since` for incremental sync. The order is the cursor's (by id), so
the page's `sort` is not offered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from recommendations.filters import ItemFilter

OUT_OF_RANGE = "Enter a timestamp between 1900 and 9999 with an offset of at most 14 hours"


class TimestampField(IsoDateTimeField):
    """An ISO 8601 timestamp the database can compare: an offset of at most 14 hours (a
    real time zone's) and a year from 1900 to 9999 in UTC. Anything else is refused as
    input (422 naming `updated_since`, as every bad filter value), never sent to
    PostgreSQL to fail there."""

    def clean(self, value: Any) -> dt.datetime | None:
        cleaned: dt.datetime | None = super().clean(value)
        if cleaned is None:
            return None
        offset = cleaned.utcoffset()
        if offset is not None and abs(offset) > dt.timedelta(hours=14):
            raise ValidationError(OUT_OF_RANGE, code="out_of_range")
        try:
            utc = cleaned.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from None
        if not 1900 <= utc.year <= 9999:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range")
        return cleaned


class TimestampFilter(df.IsoDateTimeFilter):
    field_class = TimestampField


class ApiItemFilter(ItemFilter):
    updated_since = TimestampFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label="Changed after (ISO 8601 timestamp)",
        error_messages={"invalid": "Enter a timestamp like 2025-03-27T09:30:00Z"},
    )


del ApiItemFilter.base_filters["sort"]
