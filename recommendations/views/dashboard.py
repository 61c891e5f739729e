"""The home page: a section for each role the person holds."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import dashboards
from .common import AuthenticatedHttpRequest


@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The home page: a section for each role the person holds."""
    user = request.user
    acts_for_all = user.has_perm("recommendations.act_for_all_forces")
    context: dict[str, object] = {}
    if user.has_perm("recommendations.add_progress_update") and not acts_for_all:
        context["officer"] = dashboards.for_liaison_officer(user)
    if user.has_perm("recommendations.propose_closure") and not acts_for_all:
        context["lead"] = dashboards.for_liaison_lead(user)
    if user.has_perm("recommendations.authorise_closure"):
        context["chief"] = dashboards.for_chief_of_staff(user)
    if user.has_perm("recommendations.view_all_forces"):
        context["overview"] = dashboards.for_inspector(user)
    return render(request, "recommendations/dashboard.html", context)
