"""The home page: a section for each role the person holds."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from engage.dashboards import for_person as engage_dashboard
from responses.dashboards import for_person as pcc_dashboard
from savedsearches.selectors import saved_searches_of

from .. import actions, dashboards
from ..policy import Action
from .common import AuthenticatedHttpRequest
from .forces import forces_for_lead_reassign


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
    if actions.offered(user, Action.AUTHORISE_CLOSURE):
        context["chief"] = dashboards.for_chief_of_staff(user)
    if user.has_perm("recommendations.view_all_forces"):
        context["overview"] = dashboards.for_inspector(user)
    if context:  # anyone with a role: the PCC responses of their scope (responses app)
        context["pcc"] = pcc_dashboard(user)
        context["engage"] = engage_dashboard(user)  # forces in Engage and their plans
        context["summary"] = dashboards.summary(user)
        context["stale_days"] = settings.STALE_AFTER_DAYS
    context["lead_forces"] = forces_for_lead_reassign(user)
    context["saved_views"] = list(saved_searches_of(user))
    return render(request, "recommendations/dashboard.html", context)
