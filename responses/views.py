"""The response form and the per-report CSV. They parse input and call the service or
the selectors; no rules live here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from recommendations import errors
from recommendations.models import InspectionReport
from tracker.downloads import csv_download
from tracker.http import AuthenticatedHttpRequest, posted
from tracker.refusals import form_error, shows_refusals

from . import selectors, services
from .forms import ResponseForm
from .rules import response_refusal

CSV_HEADER = [
    "force",
    "report",
    "published",
    "due",
    "received",
    "response_url",
    "reference",
    "answer",
]


@require_http_methods(["GET", "POST"])
@shows_refusals
def record(request: AuthenticatedHttpRequest, slug: str, force: str) -> HttpResponse:
    """Record or correct a force's PCC response to a report: 404 outside the person's
    scope, 403 for people who may see it but not record it (the force's own liaison
    officers among them: the PCC's office writes it)."""
    current = selectors.force_response(request.user, slug, force)
    refusal = response_refusal(request.user, current.force)
    if refusal is not None:
        raise refusal()
    items = list(selectors.response_items(current.report, current.force))
    initial: dict[str, object] = {}
    if current.response is not None:
        initial = {"received": current.response.received, "url": current.response.url}
        initial |= {
            services.answer_field(pk): answer
            for pk, answer in selectors.answers_of(current.response).items()
        }
    form = ResponseForm(posted(request), initial=initial, items=items)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.response_record(
                    report=current.report,
                    force=current.force,
                    by=request.user,
                    received=form.cleaned_data["received"],
                    url=form.cleaned_data["url"],
                    answers=form.answers(),
                )
            except errors.DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(
                    request,
                    f"{current.force.name}'s police and crime commissioner's response saved",
                )
                return redirect("recommendations:report", slug=current.report.slug)
    return render(
        request,
        "responses/record.html",
        {"current": current, "form": form, "items": items},
        status=status,
    )


@require_GET
def responses_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """`force,report,published,due,received,response_url,reference,answer`, one row per
    force the person can see per recommendation; dates ISO; formulas neutralised."""
    report = get_object_or_404(InspectionReport, slug=slug)
    return csv_download(
        selectors.csv_rows(request.user, report),
        headers=CSV_HEADER,
        filename=f"{report.slug}-responses.csv",
        stream=False,
    )
