"""Saved views ("my views"): save the list's filters under a name, open, delete. Every
page is the signed-in person's own; another person's view is "Page not found"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from recommendations.errors import DomainError
from tracker.http import AuthenticatedHttpRequest
from tracker.refusals import form_error, shows_refusals

from . import services
from .forms import SavedSearchForm
from .selectors import saved_search_of, saved_searches_of


def list_url(query: str) -> str:
    return reverse("recommendations:list") + (f"?{query}" if query else "")


@require_GET
def saved_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "savedsearches/list.html", {"views": list(saved_searches_of(request.user))}
    )


@require_http_methods(["GET", "POST"])
@shows_refusals
def saved_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The form to name the list's current filters (the GET parameters, or the posted
    `query`); saving goes back to the list with them."""
    if request.method == "GET":
        params = request.GET.copy()
        params.pop("page", None)
        form = SavedSearchForm(initial={"query": params.urlencode()})
        return render(request, "savedsearches/new.html", {"form": form})
    form = SavedSearchForm(request.POST)
    if form.is_valid():
        try:
            view = services.saved_search_create(
                owner=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except DomainError as error:
            status = form_error(form, error)
        else:
            messages.success(request, f"Saved your view '{view.name}'")
            return HttpResponseRedirect(list_url(view.query))
    else:
        status = 400
    return render(request, "savedsearches/new.html", {"form": form}, status=status)


@require_GET
def saved_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return HttpResponseRedirect(list_url(saved_search_of(request.user, pk).query))


@require_http_methods(["GET", "POST"])
@shows_refusals
def saved_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        view = saved_search_of(request.user, pk)
        return render(request, "savedsearches/delete.html", {"view": view})
    name = services.saved_search_delete(owner=request.user, pk=pk)
    messages.success(request, f"Deleted your view '{name}'")
    return HttpResponseRedirect(reverse("savedsearches:list"))
