"""/api/v1/ (tokens only) and the documentation. Every API view is exempt from the
portal's sign-in redirect: DRF authenticates it (api.authentication) and answers 401."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http.response import HttpResponseBase
from django.urls import path, re_path

from . import pages, views

app_name = "api"


def api(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    return login_not_required(view)


urlpatterns = [
    path("v1/items/", api(views.ItemList.as_view()), name="items"),
    path("v1/items/<int:pk>/", api(views.ItemDetail.as_view()), name="item"),
    path(
        "v1/items/<int:pk>/progress-updates/",
        api(views.ProgressUpdateCreate.as_view()),
        name="progress_updates",
    ),
    path("v1/items/<int:pk>/comments/", api(views.CommentCreate.as_view()), name="comments"),
    path(
        "v1/items/<int:pk>/closure-proposals/",
        api(views.ProposalCreate.as_view()),
        name="closure_proposals",
    ),
    path(
        "v1/items/<int:pk>/closure-proposals/<int:pid>/authorise/",
        api(views.ProposalAuthorise.as_view()),
        name="closure_authorise",
    ),
    path(
        "v1/items/<int:pk>/closure-proposals/<int:pid>/return/",
        api(views.ProposalReturn.as_view()),
        name="closure_return",
    ),
    path(
        "v1/items/<int:pk>/closure-proposals/<int:pid>/withdraw/",
        api(views.ProposalWithdraw.as_view()),
        name="closure_withdraw",
    ),
    path("v1/items/<int:pk>/reopen/", api(views.ItemReopen.as_view()), name="item_reopen"),
    path("v1/recipients/", api(views.RecipientList.as_view()), name="recipients"),
    path(  # Engage: monitoring stages and improvement plans (tests/api/test_engage.py)
        "v1/forces/<slug:slug>/monitoring-stage/",
        api(views.MonitoringStageDetail.as_view()),
        name="monitoring_stage",
    ),
    path(
        "v1/items/<int:pk>/plan-actions/",
        api(views.PlanActionList.as_view()),
        name="plan_actions",
    ),
    path(
        "v1/plan-actions/<int:pk>/updates/",
        api(views.PlanUpdateCreate.as_view()),
        name="plan_action_updates",
    ),
    path("v1/reports/", api(views.ReportList.as_view()), name="reports"),
    path("v1/reports/<slug:slug>/", api(views.ReportDetail.as_view()), name="report"),
    path("v1/findings/<int:pk>/", api(views.FindingDetail.as_view()), name="finding"),
    path("v1/schema/", api(pages.SchemaView.as_view()), name="schema"),
    path("docs/", pages.docs, name="docs"),
]
urlpatterns += [
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
# Anything else under /api/: a problem+json 404, not the portal's HTML page.
urlpatterns += [re_path(r"^v1/", api(views.not_found))]
