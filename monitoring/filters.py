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
from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop

from forces.models import Region
from recommendations.filter_fields import (
    RecipientFilter,
    region_filter,
    report_filter,
    substring_matches,
    theme_filter,
    type_filter,
    unknown,
)
from recommendations.models import Finding, Status, TrackedItem
from tracker.govuk_forms import choices_of

from .selectors import public_entries, public_recipients

# Each filter's label, empty choice and what its "There is no ... called ..." message
# calls a value, translated when the form is made (gettext_noop: for the catalogue).
PUBLIC_WORDS: dict[str, tuple[str, str, str]] = {
    "q": (gettext_noop("Search"), "", ""),
    "force": (gettext_noop("Force"), gettext_noop("Any force"), gettext_noop("force")),
    "region": (gettext_noop("Region"), gettext_noop("Any region"), gettext_noop("region")),
    "report": (gettext_noop("Report"), gettext_noop("Any report"), gettext_noop("report")),
    "type": (gettext_noop("Type"), gettext_noop("Any type"), gettext_noop("type")),
    "theme": (gettext_noop("Theme"), gettext_noop("Any theme"), gettext_noop("theme")),
    "status": (gettext_noop("Status"), "", gettext_noop("status")),
}


class PublicItemFilter(df.FilterSet):
    q = df.CharFilter(
        label="Search",
        method="search",
        help_text="Words in the recommendation or its published updates, or a public ID",
    )
    # Any recipient the public site names (police forces, national bodies, PCC offices with
    # public items), by slug; `force` keeps its name for existing links.
    force = RecipientFilter(
        queryset=lambda request: public_recipients(),
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
        self.filters["status"].extra["choices"] = [(s.slug, gettext(s.name)) for s in self.statuses]
        self._in_language()

    @property
    def form(self) -> Any:
        """The filters' form, the regions named in the page's language."""
        form = super().form
        region = form.fields.get("region")
        if region is not None and "_choices_once" not in vars(region):
            # As tracker.govuk_forms.choices_of reads them (one query), each name in the
            # page's language and in its order.
            names = sorted(
                (gettext(name), slug) for slug, name in Region.objects.values_list("slug", "name")
            )
            empty = [("", region.empty_label)] if region.empty_label else []
            vars(region)["_choices_once"] = empty + [(slug, name) for name, slug in names]
        return form

    def _in_language(self) -> None:
        """The labels, hints, empty choices and messages in the page's language (the
        shared filter fields are written in English; the catalogue has them all)."""
        for name, flt in self.filters.items():
            words = PUBLIC_WORDS.get(name)
            if words is None:
                continue
            label, empty, what = words
            flt.label = gettext_lazy(label)
            if empty:
                flt.extra["empty_label"] = gettext(empty)
            if what:
                flt.extra["error_messages"] = {
                    "invalid_choice": gettext("There is no %(what)s called '%%(value)s'")
                    % {"what": gettext(what)},
                    "invalid_pk_value": gettext("There is no %(what)s called '%%(pk)s'")
                    % {"what": gettext(what)},
                }
        self.filters["q"].extra["help_text"] = gettext(
            "Words in the recommendation or its published updates, or a public ID"
        )
        type_filter = self.filters["type"]
        type_filter.extra["choices"] = [
            (value, gettext(label)) for value, label in Finding.Kind.choices
        ]

    def named_items(self, name: str) -> list[dict[str, Any]]:
        """A select's options for a filter of names as published in English (bodies,
        reports, themes): on a Welsh page each name is marked lang="en", as the page
        marks such names in its text (monitoring/_text.html `named`), so that it is read
        in the right voice; the empty choice is Welsh and is not marked."""
        bound = self.form[name]
        value = bound.value()
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value or "")}
        welsh = get_language() == "cy"
        return [
            {
                "value": str(key),
                "text": str(label),
                "selected": str(key) in chosen,
                **({"attributes": {"lang": "en"}} if welsh and key != "" else {}),
            }
            for key, label in choices_of(bound.field)
        ]

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
