"""The public list's filters: plain GET parameters (force, region, report, type, theme,
status and words `q`), shared by the page, both data files and the sitemap's links.

Words use the items' search document (`TrackedItem.search`, PostgreSQL's full-text
index) to find candidates, as the internal list does, then keep only the items whose
public texts match (the finding's texts or a public entry): the document also holds
internal comments, and a public search must not reveal what they say. On SQLite (the
`make run` demo) words are substrings of the same public texts.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from forces.models import Force
from recommendations.filter_fields import (
    region_filter,
    report_filter,
    substring_matches,
    theme_filter,
    type_filter,
    unknown,
)
from recommendations.models import Status, TrackedItem

from .selectors import public_entries


class PublicItemFilter(df.FilterSet):
    q = df.CharFilter(
        label="Search",
        method="search",
        help_text="Words in the recommendation or its published updates, or a public ID",
    )
    force = df.ModelChoiceFilter(
        queryset=Force.objects.order_by("name"),
        to_field_name="slug",
        label="Force",
        empty_label="Any force",
        error_messages=unknown("force"),
    )
    region = region_filter()
    report = report_filter()
    type = type_filter()
    theme = theme_filter()
    status = df.MultipleChoiceFilter(
        label="Status",
        field_name="status_id",
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "There is no status called '%(value)s'"},
    )

    class Meta:
        model = TrackedItem
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.statuses = list(Status.objects.order_by("order"))
        self.filters["status"].extra["choices"] = [(s.slug, s.name) for s in self.statuses]

    def search(self, qs: QuerySet[TrackedItem], name: str, value: str) -> QuerySet[TrackedItem]:
        value = value.strip()
        if not value:
            return qs
        if connection.vendor != "postgresql":
            matches = substring_matches(value, public_entries())
        else:
            query = SearchQuery(value, config="english", search_type="websearch")
            in_public_entry = Exists(
                public_entries()
                .filter(item_id=OuterRef("pk"))
                .annotate(words=SearchVector("text", config="english"))
                .filter(words=query)
            )
            qs = qs.annotate(
                finding_words=SearchVector(
                    "finding__cause_of_concern", "finding__text", config="english"
                )
            )
            matches = Q(finding_words=query) | Q(in_public_entry)
            # The item's search document also holds internal entries, so it may only
            # narrow the rows, never decide them: for a query without negation a public
            # match implies a match of the whole document (the GIN index then does the
            # work); a negated word ("-word") would turn it into a test of what internal
            # entries say, so such a query is matched on the public texts alone.
            if "-" not in value:
                matches = Q(search=query) & matches
        if value.isascii() and value.isdigit():
            matches |= Q(portal_id=int(value))
        return qs.filter(matches)
