"""Print views: an item, and the items of a report, laid out for paper (the print
stylesheet, static/scss/_print.scss, leaves out navigation and buttons and prints
links' addresses). Scoped like the normal pages: an item outside the person's scope is
not found, and a report's print shows only the items the person can see."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tracker.base_url import absolute_url, base_url

from ..models import InspectionReport
from ..selectors import (
    is_overdue,
    is_stale,
    item_detail,
    items_visible_to,
    open_proposal,
    review_overdue_on_page,
    timeline_newest_first,
    today,
)
from .common import AuthenticatedHttpRequest


@require_GET
def item_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    timeline = timeline_newest_first(obj.pk, force_name=obj.force.name)
    return render(
        request,
        "recommendations/item_print.html",
        {
            "item": obj,
            "item_url": absolute_url(reverse("recommendations:item", args=[pk]), request),
            "timeline": timeline,
            "overdue": is_overdue(obj),
            "stale": is_stale(obj),
            "review_overdue": review_overdue_on_page(obj, timeline),
            "proposed": open_proposal(obj) is not None,
            "printed_on": today(),
        },
    )


@require_GET
def report_print(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    report = get_object_or_404(InspectionReport, slug=slug)
    items = (
        items_visible_to(request.user)
        .filter(finding__report=report)
        .select_related("finding", "force", "status")
        .defer("search")
        .order_by("finding_kind", "finding_number", "finding_id", "force_name")
    )
    base = base_url(request)
    on = today()
    rows = [
        {
            "item": i,
            "url": base + reverse("recommendations:item", args=[i.pk]),
            "overdue": is_overdue(i, on),
            "stale": is_stale(i, on),
        }
        for i in items
    ]
    return render(
        request,
        "recommendations/report_print.html",
        {"report": report, "rows": rows, "printed_on": on},
    )
