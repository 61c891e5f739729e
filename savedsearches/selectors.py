"""Reads of saved views: a person only ever sees their own."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from .models import SavedSearch


def saved_searches_of(user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(owner=user).only("id", "name", "query")


def saved_search_of(user: User, pk: int, *, for_update: bool = False) -> SavedSearch:
    """One of the person's views; another person's is "Page not found", as if it did
    not exist."""
    qs = SavedSearch.objects.filter(owner=user, pk=pk)
    if for_update:
        qs = qs.select_for_update()
    view = qs.first()
    if view is None:
        raise Http404("No such saved view")
    return view
