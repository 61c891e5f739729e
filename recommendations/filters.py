"""The outstanding-items filters: GET parameters, shareable URLs, one FilterSet used by
the list page and both exports (and, through it, the saved views and the API). The
feature apps add filters of their own through recommendations.hooks (the PCC's response:
`response`), placed among these when this module is imported."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from forces.models import Force, Region

from . import hooks
from .counts import report_ids_with_items
from .filter_fields import (
    RecipientsFilter,
    recipients_in_order,
    region_filter,
    report_filter,
    substring_matches,
    theme_filter,
    type_filter,
    unknown,
)
from .models import ClosureProposal, InspectionReport, Status, TimelineEntry, TrackedItem
from .policy import visible_force_ids
from .selectors import overdue_q, proposal_open, recheck_due_q, review_overdue_q, stale_q

YES_NO = (("yes", "Yes"), ("no", "No"))
VERIFIED_BY = ClosureProposal.VerifiedBy.choices
# Every sort is a column of the item with an index ending in id (models.TrackedItem):
# the force's name, the report's title, the finding's number and kind and the status's
# order are copied onto the item, so no sort joins.
SORTS = {
    "portal_id": "portal_id",
    "force": "force_name",
    "report": "report_title",
    "reference": "finding_number",
    "type": "finding_kind",
    "status": "status_order",
    "owner": "owner_name",
    "updated": "last_entry_on",
    "target_date": "target_date",
}


def _date(field: str, lookup: str, label: str) -> df.DateFilter:
    """An ISO date filter whose error says what a date should look like."""
    return df.DateFilter(
        field_name=field,
        lookup_expr=lookup,
        label=label,
        error_messages={"invalid": "Enter a date like 2025-03-27"},
    )


class ItemFilter(df.FilterSet):
    q = df.CharFilter(
        label="Search", method="search", help_text="Words in the text, comments or reference"
    )
    # Named `force` for the links and saved views that use it: any recipient, a police
    # force, a national body or a PCC office, by slug (ADR 0016).
    force = RecipientsFilter(
        queryset=Force.objects.all(),
        to_field_name="slug",
        label="Force or other recipient",
        method="filter_force",
        widget=forms.CheckboxSelectMultiple,
        error_messages=unknown("force"),
    )
    region = region_filter()
    report = report_filter()
    type = type_filter()
    status = df.MultipleChoiceFilter(
        label="Status",
        method="filter_status",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "There is no status called '%(value)s'"},
    )
    theme = theme_filter()
    owner = df.CharFilter(field_name="owner_name", lookup_expr="icontains", label="Owner")
    lead = df.CharFilter(field_name="liaison_lead__username", label="Liaison lead (username)")
    stale = df.ChoiceFilter(
        choices=YES_NO,
        method="filter_stale",
        label="Stale",
        empty_label="Either",
        error_messages={"invalid_choice": "Stale must be yes or no"},
    )
    overdue = df.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        label="Overdue",
        empty_label="Either",
        error_messages={"invalid_choice": "Overdue must be yes or no"},
    )
    verified_by = df.ChoiceFilter(
        choices=[(v, str(label)[0].upper() + str(label)[1:]) for v, label in VERIFIED_BY],
        method="filter_verified_by",
        label="Closure verified by",
        empty_label="Any way",
        error_messages={
            "invalid_choice": "There is no way of verifying closure called '%(value)s'"
        },
    )
    reopened = df.ChoiceFilter(
        choices=YES_NO,
        method="filter_reopened",
        label="Reopened",
        empty_label="Either",
        error_messages={"invalid_choice": "Reopened must be yes or no"},
    )
    proposal = df.ChoiceFilter(
        choices=(("open", "Open, awaiting a decision"), ("none", "None open")),
        method="filter_proposal",
        label="Closure proposal",
        empty_label="Either",
        error_messages={"invalid_choice": "Closure proposal must be open or none"},
    )
    review = df.ChoiceFilter(
        choices=(("overdue", "Overdue"),),
        method="filter_review",
        label="Review",
        empty_label="Any",
        error_messages={"invalid_choice": "Review must be overdue"},
    )
    recheck = df.ChoiceFilter(
        choices=(("due", "Due"), ("set", "Date set")),
        method="filter_recheck",
        label="Effectiveness re-check",
        empty_label="Any",
        error_messages={"invalid_choice": "Re-check must be due or set"},
    )
    moved = df.ChoiceFilter(
        choices=YES_NO,
        method="filter_moved",
        label="Target date moved",
        empty_label="Either",
        error_messages={"invalid_choice": "Target date moved must be yes or no"},
    )
    # Issue 30: a Welsh force's items with a public entry that has no Welsh version yet.
    welsh = df.ChoiceFilter(
        choices=(("missing", "Public update without Welsh"),),
        method="filter_welsh",
        label="Welsh",
        empty_label="Any",
        error_messages={"invalid_choice": "Welsh must be missing"},
    )
    updated_after = _date("last_entry_on", "gte", "Updated on or after")
    updated_before = _date("last_entry_on", "lte", "Updated on or before")
    published_after = _date("finding__report__published", "gte", "Report published on or after")
    published_before = _date("finding__report__published", "lte", "Report published on or before")
    sort = df.OrderingFilter(fields=[(v, k) for k, v in SORTS.items()], label="Sort by")

    class Meta:
        model = TrackedItem
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            if data.get("recheck") and not data.get("status"):
                # Re-checks are of closed items: the default of open items would hide them.
                data.setlist("status", ["all"])
            if not data.get("status"):
                data.setlist("status", ["open"])  # the default: outstanding items only
            if data.get("overdue") == "1":
                data["overdue"] = "yes"  # overdue=1, as links elsewhere write it
        super().__init__(data, *args, **kwargs)
        self._limit_to_scope()
        self.statuses = list(Status.objects.all())
        self.filters["status"].extra["choices"] = [
            ("open", "All open statuses"),
            *((s.slug, s.name) for s in self.statuses),
            ("all", "Any status"),
        ]

    def _limit_to_scope(self) -> None:
        """Offer only the forces, regions and reports in the person's scope: a person
        who acts for one force has no force or region filter at all, and one whose forces
        are all in one region has no region filter. Values outside the scope are then
        unknown ("There is no force called ..."), as they would be to that person."""
        user = getattr(self.request, "user", None)
        force_ids = visible_force_ids(user) if user is not None else None
        if force_ids is None:
            return
        forces = Force.objects.filter(id__in=force_ids)
        regions = Region.objects.filter(forces__id__in=force_ids).distinct()
        if len(force_ids) <= 1:
            del self.filters["force"]
        else:
            self.filters["force"].queryset = recipients_in_order(forces)
        region_ids = set(forces.values_list("region_id", flat=True))
        if len(region_ids) <= 1:
            del self.filters["region"]
        else:
            self.filters["region"].queryset = regions
        # The reports with items in the scope, from the counts table (no scan of items).
        self.report_ids = report_ids_with_items(force_ids)  # also the panel's cache key
        self.filters["report"].queryset = InspectionReport.objects.filter(pk__in=self.report_ids)

    def filter_force(self, qs: QuerySet, name: str, value: list[Force]) -> QuerySet:
        return qs.filter(force__in=value) if value else qs

    def filter_status(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value or "all" in value:
            return qs
        slugs = set(value)
        # Open is what the statuses table says is open (read once, in __init__).
        chosen = [s for s in self.statuses if s.slug in slugs or ("open" in slugs and s.is_open)]
        qs = qs.filter(status_id__in=sorted(s.slug for s in chosen))
        if any(key.lstrip("-") == "status" for key in self.form.cleaned_data.get("sort") or []):
            # The same rows again, by the items' copy of their status's order: sorted by
            # status, the page is then one range of that sort's index, not a walk past
            # every item of the statuses left out.
            qs = qs.filter(status_order__in=sorted({s.order for s in chosen}))
        return qs

    def filter_stale(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(stale_q()) if value == "yes" else qs.exclude(stale_q())

    def filter_overdue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        overdue = overdue_q()
        return qs.filter(overdue) if value == "yes" else qs.exclude(overdue)

    def filter_reopened(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Items reopened at least once since they were closed (issue 26): a `reopened`
        entry on the timeline, which is append-only."""
        reopened = Exists(
            TimelineEntry.objects.filter(item_id=OuterRef("pk"), event=TimelineEntry.Event.REOPENED)
        )
        return qs.filter(reopened) if value == "yes" else qs.exclude(reopened)

    def filter_proposal(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Items with a closure proposal awaiting a decision (`open`), or without one."""
        return qs.filter(proposal_open()) if value == "open" else qs.exclude(proposal_open())

    def filter_review(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Items awaiting review for more than REVIEW_OVERDUE_DAYS (selectors)."""
        return qs.filter(review_overdue_q())

    def filter_recheck(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Closed items whose effectiveness re-check is due (`due`), or has a date."""
        if value == "due":
            return qs.filter(recheck_due_q())
        return qs.filter(recheck_on__isnull=False)

    def filter_moved(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Items whose target date was moved by hand at least once (imports do not count)."""
        moved = Q(target_date_moves__gt=0)
        return qs.filter(moved) if value == "yes" else qs.exclude(moved)

    def filter_welsh(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Welsh forces' items with a public entry with words that has no Welsh version
        (TimelineEntryWelsh) yet: what the inspectorate still owes in Welsh (as
        recommendations.public.public_entries_without_welsh)."""
        lacking = TimelineEntry.objects.filter(
            item_id=OuterRef("pk"),
            visibility=TimelineEntry.Visibility.PUBLIC,
            welsh__isnull=True,
        ).exclude(text="")
        return qs.filter(Exists(lacking), force__welsh=True)

    def filter_verified_by(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Items whose open closure proposal, or the one that closed them, was verified
        this way (returned and withdrawn proposals do not count)."""
        proposals = ClosureProposal.objects.filter(
            verified_by=value,
            state__in=[ClosureProposal.State.OPEN, ClosureProposal.State.AUTHORISED],
        )
        return qs.filter(pk__in=proposals.values("item_id"))

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        if connection.vendor != "postgresql":  # the SQLite demo: plain substring search
            matches = substring_matches(value, TimelineEntry.objects.all())
        else:  # the item's search document (its finding's texts, reference and comments)
            matches = Q(search=SearchQuery(value, config="english", search_type="websearch"))
        if value.isascii() and value.isdigit():
            matches |= Q(portal_id=int(value)) | Q(pk=int(value))
        return qs.filter(matches)

    @property
    def qs(self) -> QuerySet:
        qs = super().qs
        if not self.form.cleaned_data.get("sort"):
            qs = qs.order_by("last_entry_on", "id")
        else:  # ties in the sort's direction, so the page is read along one index
            first = str(qs.query.order_by[0]) if qs.query.order_by else ""
            qs = qs.order_by(*qs.query.order_by, "-id" if first.startswith("-") else "id")
        return qs


def _add_registered_filters() -> None:
    """The filters the feature apps registered (recommendations.hooks), each after the
    filter it names, as if declared there: in the form, the saved views' parameters and
    the API's (the FilterSets made from this one after this take them too)."""
    for hook in hooks.list_filters():
        added = hook.make()
        if getattr(added, "field_name", None) is None:
            added.field_name = hook.name  # as a declared filter's
        for attribute in ("declared_filters", "base_filters"):
            ordered: dict[str, df.Filter] = {}
            for name, existing in getattr(ItemFilter, attribute).items():
                ordered[name] = existing
                if name == hook.after:
                    ordered[hook.name] = added
            ordered.setdefault(hook.name, added)
            setattr(ItemFilter, attribute, ordered)


_add_registered_filters()
