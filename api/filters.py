"""The list page's FilterSet (recommendations.filters.ItemFilter), every filter the
same, plus `updated_since` for incremental sync. The order is the cursor's (by id), so
the page's `sort` is not offered."""

from __future__ import annotations

import django_filters as df

from recommendations.filters import ItemFilter


class ApiItemFilter(ItemFilter):
    updated_since = df.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label="Changed after (ISO 8601 timestamp)",
        error_messages={"invalid": "Enter a timestamp like 2025-03-27T09:30:00Z"},
    )


del ApiItemFilter.base_filters["sort"]
