"""The items list's filter on the PCC's response to the item's report (`?response=due`,
`overdue` or `received`), added to the core's list through recommendations.hooks (see
ResponsesConfig.ready): the list page, its exports, saved views and the API."""

from __future__ import annotations

import django_filters as df
from django.db.models import QuerySet

from recommendations.hooks import ListFilter
from recommendations.models import TrackedItem

from .selectors import STATE_LABELS, STATES, State, state_q


def filter_response(qs: QuerySet[TrackedItem], name: str, value: State) -> QuerySet[TrackedItem]:
    """Items whose force's PCC response to their report is due, overdue or received."""
    return qs.filter(state_q(value))


def response_filter() -> df.ChoiceFilter:
    return df.ChoiceFilter(
        choices=[(s, STATE_LABELS[s]) for s in STATES],
        method=filter_response,
        label="Police and crime commissioner's response",
        empty_label="Any",
        error_messages={"invalid_choice": "Response must be due, overdue or received"},
    )


LIST_FILTER = ListFilter(name="response", make=response_filter, after="overdue")
