"""The one door for changing saved views: each change in a transaction, refusals as
domain errors naming the field. A person only ever changes their own views."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import QueryDict

from recommendations.errors import DomainError
from recommendations.filters import ItemFilter
from recommendations.selectors import items_visible_to
from tracker.text import TextError, clean_text

from .models import MAX_PER_PERSON, NAME_MAX_LENGTH, QUERY_MAX_LENGTH, SavedSearch
from .selectors import saved_search_of

# What a view keeps: the list's filters and its sort, not the page number.
KEPT = frozenset(ItemFilter.base_filters) | {"sort"}


def clean_name(name: str) -> str:
    """The name as it is kept: clean by the one rule for text (tracker.text), spaces
    tidied; refused when empty or too long."""
    try:
        name = clean_text(name, field_label="the name", max_length=NAME_MAX_LENGTH)
    except TextError as error:
        raise DomainError(error.message, field="name") from None
    if not name:
        raise DomainError("Enter a name for this view", field="name")
    return name


def clean_query(owner: User, query: str) -> str:
    """The list's filters in a stable form, only the ones the list knows; refused when
    the list would show them as a problem."""
    given = QueryDict(query)
    kept = QueryDict(mutable=True)
    for key in sorted(given):
        if key in KEPT:
            values = [v for v in given.getlist(key) if v.strip()]
            if values:
                kept.setlist(key, values)
    filterset = ItemFilter(
        kept, queryset=items_visible_to(owner), request=SimpleNamespace(user=owner)
    )
    if not filterset.is_valid():
        raise DomainError(
            "These filters have a problem. Correct them on the list, then save the view",
            field="query",
        )
    text = kept.urlencode()
    if len(text) > QUERY_MAX_LENGTH:
        raise DomainError("These filters are too long to save as a view", field="query")
    return text


def saved_search_create(*, owner: User, name: str, query: str) -> SavedSearch:
    """Save the list's filters under a name for this person."""
    name = clean_name(name)
    query = clean_query(owner, query)
    with transaction.atomic():
        # One person's saves one at a time, so the limit holds.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        mine = SavedSearch.objects.filter(owner=owner)
        if mine.filter(name__iexact=name).exists():
            raise DomainError(f"You already have a view called '{name}'", field="name")
        if mine.count() >= MAX_PER_PERSON:
            raise DomainError(
                f"You can keep up to {MAX_PER_PERSON} views. Delete one first", field="name"
            )
        try:
            with transaction.atomic():
                return SavedSearch.objects.create(owner=owner, name=name, query=query)
        except IntegrityError as error:  # the database's rule, in case of a race
            raise DomainError(f"You already have a view called '{name}'", field="name") from error


def saved_search_delete(*, owner: User, pk: int) -> str:
    """Delete one of the person's views (404 for anyone else's); returns its name."""
    with transaction.atomic():
        view = saved_search_of(owner, pk, for_update=True)
        name = view.name
        view.delete()
    return name
