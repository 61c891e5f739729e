"""Reports: the list, one report's findings, and publishing a report with its findings."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from forces.models import Force
from responses.selectors import report_responses
from tracker.refusals import form_error, shows_refusals

from .. import errors, forms, policy, services
from ..models import Finding, InspectionReport
from ..national import report_matrix
from ..selectors import items_visible_to, today
from ..services.reports import report_forces
from .common import AuthenticatedHttpRequest, posted


@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    reports_qs = (
        InspectionReport.objects.annotate(findings_count=Count("findings"))
        .order_by("-published", "title")
        .values("slug", "title", "kind", "published", "findings_count")
    )
    page = Paginator(reports_qs, 50).get_page(request.GET.get("page"))
    kinds = dict(InspectionReport.Kind.choices)
    base = reverse("recommendations:reports")
    rows = [{**r, "kind": kinds[r["kind"]], "url": f"{base}{r['slug']}/"} for r in page]
    return render(request, "recommendations/reports.html", {"reports": rows, "page": page})


@require_GET
def report(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(InspectionReport, slug=slug)
    visible = items_visible_to(request.user).filter(finding__report=obj)
    findings = obj.findings.annotate(
        items_count=Count("items", filter=Q(items__in=visible.values("pk")))
    )
    return render(
        request,
        "recommendations/report.html",
        {
            "report": obj,
            "findings": findings,
            "matrix": report_matrix(request.user, obj),
            **_pcc_responses(request, obj),
        },
    )


def _pcc_responses(
    request: AuthenticatedHttpRequest, report: InspectionReport
) -> dict[str, object]:
    """The police and crime commissioners' responses section (the `responses` app)."""
    rows = report_responses(request.user, report)
    recordable = {
        r.force.pk
        for r in rows
        if policy.refusal(request.user, policy.Action.RECORD_RESPONSE, r.force) is None
    }
    return {"pcc_responses": rows, "pcc_recordable": recordable}


@permission_required("recommendations.publish_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
@shows_refusals
def report_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = forms.ReportForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                obj = services.report_publish(by=request.user, **form.cleaned_data)
            except errors.DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, "Report published. Now add its findings.")
                return redirect("recommendations:finding_new", slug=obj.slug)
    return render(request, "recommendations/report_form.html", {"form": form}, status=status)


@permission_required("recommendations.publish_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
@shows_refusals
def finding_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Add a finding to a report and issue it to the report's forces. One force: issued
    at once. More than one: a check page first (how many items, that they are public),
    and nothing is written until it is confirmed; "Change" goes back to the form with
    what was entered."""
    obj = get_object_or_404(InspectionReport, slug=slug)
    form = forms.FindingForm(posted(request), report=obj, forces=report_forces(obj))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            status = 200
            data = form.cleaned_data
            chosen = list(data["forces"])
            many = len(chosen) > 1 or bool(data.get("all_forces"))
            if "change" in request.POST:
                pass  # back to the form, as it was filled in
            elif many and not form.confirmed:
                return _finding_check(request, obj, form, chosen)
            else:
                try:
                    created = services.findings_issue(
                        report=obj,
                        by=request.user,
                        forces=chosen,
                        findings=[
                            services.FindingInput(
                                kind=data["kind"],
                                text=data["text"],
                                number=data["number"],
                                cause_of_concern=data["cause_of_concern"],
                                accelerated=bool(data.get("accelerated")),
                                letter_date=data.get("letter_date"),
                            )
                        ],
                    )
                except errors.DomainError as error:
                    status = form_error(form, error)
                else:
                    n = len(created)
                    reference = created[0].finding.reference if created else "The finding"
                    messages.success(
                        request,
                        f"{reference} issued to {n} recipient{'s' if n != 1 else ''}: "
                        f"{n} new item{'s' if n != 1 else ''}"
                        + (", public on the monitoring portal" if _public_now(obj) else ""),
                    )
                    return redirect("recommendations:report", slug=obj.slug)
    return render(
        request,
        "recommendations/finding_form.html",
        {"form": form, "report": obj},
        status=status,
    )


def _public_now(report: InspectionReport) -> bool:
    """Whether a new item of the report is on the monitoring portal at once: the public
    rule (recommendations.public.public_items) is every item of a report published by
    today."""
    return report.published <= today()


def _finding_check(
    request: AuthenticatedHttpRequest,
    report: InspectionReport,
    form: forms.FindingForm,
    chosen: list[Force],
) -> HttpResponse:
    """The check page before issuing to several forces: nothing is written here."""
    data = form.cleaned_data
    reference = Finding(kind=data["kind"], number=data["number"]).reference
    return render(
        request,
        "recommendations/finding_check.html",
        {
            "form": form,
            "report": report,
            "reference": reference,
            "forces": chosen,
            "groups": _by_kind(chosen),
            "all_forces": bool(data.get("all_forces")),
            "public_now": _public_now(report),
            # What was entered, carried to the confirmation as it was cleaned.
            "carried": [
                ("kind", data["kind"]),
                ("number", data["number"]),
                ("cause_of_concern", data["cause_of_concern"]),
                ("text", data["text"]),
                *([("accelerated", "on")] if data.get("accelerated") else []),
                *_date_parts("letter_date", data.get("letter_date")),
                *([("all_forces", "on")] if data.get("all_forces") else []),
                *(
                    ("forces", f.pk)
                    for f in chosen
                    if not data.get("all_forces") or f.kind != Force.Kind.FORCE
                ),
            ],
        },
    )


def _date_parts(name: str, on: dt.date | None) -> list[tuple[str, object]]:
    """A date as the three boxes of a GOV.UK date input post it."""
    if on is None:
        return []
    return [(f"{name}_0", on.day), (f"{name}_1", on.month), (f"{name}_2", on.year)]


def _by_kind(chosen: list[Force]) -> list[tuple[str, list[Force]]]:
    """The chosen recipients grouped as the form offers them (police forces, national
    bodies, PCC offices), for the check page to say which they are."""
    return [
        (legend, [f for f in chosen if f.kind == kind])
        for kind, legend in forms.FindingForm.GROUPS
        if any(f.kind == kind for f in chosen)
    ]
