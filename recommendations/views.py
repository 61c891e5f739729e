"""Views parse input with a form and call one service or selector; no rules live here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from forces.models import Force
from tracker.security import event

from . import dashboards, errors, exports, forms, policy, services
from .filters import SORTS, ItemFilter
from .models import InspectionReport, Status, TrackedItem
from .portal_format import importing
from .selectors import (
    item_detail,
    items_visible_to,
    open_proposal,
    timeline_newest_first,
    today,
)
from .templatetags.govuk import choices_of

ActionHandler = Callable[[HttpRequest, TrackedItem, dict], object]


@dataclass(frozen=True)
class ActionPage:
    form: Callable[..., forms.GovukForm]
    handler: ActionHandler
    done: str
    intro: str = ""
    button: str = "Save"


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even an empty one; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _superseding(request: HttpRequest, item: TrackedItem, number: int | None) -> TrackedItem | None:
    if number is None:
        return None
    later = items_visible_to(request.user).filter(pk=number).first()
    if later is None:
        raise errors.DomainError(
            "There is no item with that number that you can see", field="superseded_by"
        )
    return later


def _review_target(item: TrackedItem) -> str:
    return (
        Status.BEING_PROGRESSED
        if item.status_id == Status.AWAITING_REVIEW
        else Status.AWAITING_REVIEW
    )


ACTION_PAGES: dict[str, ActionPage] = {
    "progress-update": ActionPage(
        form=lambda *a, **k: forms.CommentForm(*a, label="Progress update", **k),
        handler=lambda r, item, d: services.comment_add(
            item=item, by=r.user, text=d["text"], on=d["date"], action="progress-update"
        ),
        done="Progress update added",
        intro="Say what the force has done towards this item, with any evidence.",
        button="Add progress update",
    ),
    "comment": ActionPage(
        form=forms.CommentForm,
        handler=lambda r, item, d: services.comment_add(
            item=item, by=r.user, text=d["text"], on=d["date"]
        ),
        done="Comment added",
        button="Add comment",
    ),
    "owner": ActionPage(
        form=forms.OwnerForm,
        handler=lambda r, item, d: services.owner_set(
            item=item,
            by=r.user,
            version=d["version"],
            owner_name=d["owner_name"],
            owner_rank=d["owner_rank"],
            owner_department=d["owner_department"],
            target_date=d["target_date"],
            reason=d["reason"],
        ),
        done="Owner and target date saved",
    ),
    "review": ActionPage(
        form=lambda *a, **k: forms.ReasonForm(*a, label="Comment", required=False, **k),
        handler=lambda r, item, d: services.status_change(
            item=item, by=r.user, to=_review_target(item), reason=d["reason"]
        ),
        done="Status changed",
        button="Change status",
    ),
    "no-further-action": ActionPage(
        form=forms.NoFurtherActionForm,
        handler=lambda r, item, d: services.no_further_action(
            item=item,
            by=r.user,
            reason=d["reason"],
            superseded_by=_superseding(r, item, d["superseded_by"]),
        ),
        done="Marked as no further action needed",
        intro="Use this when a later inspection supersedes the item, for example.",
        button="Mark no further action needed",
    ),
    "propose-closure": ActionPage(
        form=lambda *a, **k: forms.ReasonForm(
            *a, label="Why it should close", missing="Enter why it should close", **k
        ),
        handler=lambda r, item, d: services.closure_propose(
            item=item, by=r.user, reason=d["reason"]
        ),
        done="Closure proposed. A chief of staff for the region will decide.",
        intro="Say how the force has met the requirement. A regional chief of staff, not "
        "you, authorises closure.",
        button="Propose closure",
    ),
    "authorise-closure": ActionPage(
        form=lambda *a, **k: forms.ReasonForm(*a, label="Note", required=False, **k),
        handler=lambda r, item, d: services.closure_authorise(
            item=item, by=r.user, note=d["reason"]
        ),
        done="Closure authorised. The item is complete.",
        button="Authorise closure",
    ),
    "return-closure": ActionPage(
        form=lambda *a, **k: forms.ReasonForm(
            *a, label="Why you are returning it", missing="Enter why you are returning it", **k
        ),
        handler=lambda r, item, d: services.closure_return(
            item=item, by=r.user, reason=d["reason"]
        ),
        done="Closure proposal returned. The item stays being progressed.",
        button="Return proposal",
    ),
}
SECURITY_EVENTS = {"authorise-closure": "closure-authorised", "return-closure": "closure-returned"}
assert set(ACTION_PAGES) == set(policy.ACTIONS), "every policy action needs a page"


@require_GET
def item(request: HttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    proposal = open_proposal(obj)
    actions = [
        (name, policy.ACTIONS[name].label)
        for name in policy.allowed_actions(request.user, obj, proposal)
    ]
    return render(
        request,
        "recommendations/item.html",
        {
            "item": obj,
            "timeline": timeline_newest_first(obj.pk),
            "proposal": proposal,
            "actions": actions,
            "bullets": _bullets(obj.finding.text),
        },
    )


def _bullets(text: str) -> tuple[str, list[str]]:
    """Split a recommendation's text into its lead-in and its bulleted actions."""
    from .portal_format.parse import split_bullets

    return split_bullets(text)


@require_http_methods(["GET", "POST"])
def item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    page = ACTION_PAGES.get(action)
    if page is None:
        raise Http404("No such action")
    obj = item_detail(user=request.user, pk=pk)
    proposal = open_proposal(obj)
    refusal = policy.why_not(request.user, action, obj, proposal)
    if refusal is errors.NotPermitted:
        raise PermissionDenied(refusal.message)
    initial = {
        "version": obj.version,
        "owner_name": obj.owner_name,
        "owner_rank": obj.owner_rank,
        "owner_department": obj.owner_department,
        "target_date": obj.target_date,
    }
    form = page.form(_posted(request), initial=initial)
    status = 200
    if refusal is not None:
        # Allowed for this person, but not in the item's present state: say why, no form.
        return render(
            request,
            "recommendations/action.html",
            {
                "item": obj,
                "page": page,
                "action": action,
                "refusal": refusal.message,
                "title": policy.ACTIONS[action].label,
                "proposal": proposal,
            },
            status=409,
        )
    if request.method == "POST" and form.is_valid():
        try:
            page.handler(request, obj, form.cleaned_data)
        except errors.DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            if isinstance(error, errors.ItemChanged):
                obj = item_detail(user=request.user, pk=pk)
                form = _refreshed_owner_form(form, obj)
            status = (
                409
                if isinstance(
                    error, errors.ItemChanged | errors.AlreadyAuthorised | errors.AlreadyReturned
                )
                else 400
            )
        else:
            if action in SECURITY_EVENTS:
                event(SECURITY_EVENTS[action], request=request, item=obj.pk)
            messages.success(request, page.done)
            return redirect("recommendations:item", pk=obj.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "recommendations/action.html",
        {
            "item": obj,
            "form": form,
            "page": page,
            "action": action,
            "title": policy.ACTIONS[action].label,
            "proposal": proposal,
        },
        status=status,
    )


def _refreshed_owner_form(old: forms.GovukForm, obj: TrackedItem) -> forms.GovukForm:
    """Show the current values after a refused stale save, keeping the error message."""
    fresh = forms.OwnerForm(
        initial={
            "version": obj.version,
            "owner_name": obj.owner_name,
            "owner_rank": obj.owner_rank,
            "owner_department": obj.owner_department,
            "target_date": obj.target_date,
        }
    )
    fresh._errors = old.errors
    return fresh


@require_GET
def item_history(request: HttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    records = list(obj.history.select_related("history_user").order_by("-history_date"))
    rows = []
    for record in records:
        prev = record.prev_record
        changes = record.diff_against(prev).changes if prev else []
        rows.append({"record": record, "changes": [c for c in changes if c.field != "version"]})
    proposals = obj.all_proposals
    proposal_history = []
    for p in proposals:
        proposal_history.extend(p.history.select_related("history_user").all())
    return render(
        request,
        "recommendations/history.html",
        {
            "item": obj,
            "rows": rows,
            "proposal_history": proposal_history,
        },
    )


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")


def _filtered(request: HttpRequest) -> tuple[ItemFilter, QuerySet[TrackedItem]]:
    """The list's rows: the person's scope, then the filters; none when a filter is bad."""
    base = (
        items_visible_to(request.user)
        # One join, not six: planning a six-way join cost more than running it. The small
        # tables (forces, statuses, reports) come by id in their own trivial queries.
        .select_related("finding")
        .prefetch_related("force", "status", "finding__report")
        .defer("finding__text", "finding__cause_of_concern")
    )
    filterset = ItemFilter(request.GET, queryset=base, request=request)
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs


def list_rows(items: list[TrackedItem], base: str) -> list[dict[str, object]]:
    """The table's cells as plain values: the template engine resolves dict keys far
    faster than chains of attributes and properties."""
    on = today()
    return [
        {
            "url": f"{base}{i.pk}/",
            "portal_id": i.portal_id,
            "force": i.force.name,
            "report": i.finding.report.title,
            "reference": i.finding.reference,
            "type": i.finding.get_kind_display(),
            "status": i.status.name,
            "tag": i.status.tag_colour,
            "owner": i.owner_display,
            "days": (on - i.last_entry_on).days,
            "target": i.target_date,
        }
        for i in items
    ]


LIST_COLUMNS = [
    ("portal_id", "Portal ID"),
    ("force", "Force"),
    ("report", "Report"),
    ("reference", "Reference"),
    ("type", "Type"),
    ("status", "Status"),
    ("owner", "Owner"),
    ("updated", "Days since update"),
    ("target_date", "Target date"),
]


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = _filtered(request)
    paginator = Paginator(qs, 50)
    page = paginator.get_page(request.GET.get("page"))
    rows = list_rows(page.object_list, reverse("recommendations:list"))
    return render(
        request,
        "recommendations/list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "selected": selected_filters(request, filterset),
            "sort_links": sort_links(request),
            "columns": LIST_COLUMNS,
            "query": _query_without(request, "page"),
        },
    )


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, qs = _filtered(request)
    response = StreamingHttpResponse(
        exports.csv_lines(exports.rows(qs)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename("csv")}"'
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    _, qs = _filtered(request)
    response = HttpResponse(
        exports.xlsx_bytes(exports.rows(qs)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename("xlsx")}"'
    return response


def _query_without(request: HttpRequest, *names: str, drop: tuple[str, str] | None = None) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    if drop:
        key, value = drop
        remaining = [v for v in params.getlist(key) if v != value]
        params.setlist(key, remaining or (["all"] if key == "status" else []))
    return params.urlencode()


def selected_filters(request: HttpRequest, filterset: ItemFilter) -> list[dict[str, str]]:
    """The removable tags of the MOJ filter layout: one per chosen value, named as the
    filter panel names it."""
    tags = []
    data = filterset.form.data
    for name, flt in filterset.filters.items():
        values = [v for v in data.getlist(name) if v] if name != "sort" else []
        values = [v for v in values if not (name == "status" and v == "all")]
        if not values:
            continue
        field = filterset.form.fields[name]
        labels = {str(k): str(v) for k, v in choices_of(field)} if hasattr(field, "choices") else {}
        for value in values:
            tags.append(
                {
                    "group": str(flt.label),
                    "label": labels.get(value, value),
                    "href": "?" + _query_without(request, "page", drop=(name, value)),
                }
            )
    return tags


def sort_links(request: HttpRequest) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it, and its aria-sort state."""
    current = request.GET.get("sort", "")
    links = {}
    for key in SORTS:
        if current == key:
            state, nxt = "ascending", f"-{key}"
        elif current == f"-{key}":
            state, nxt = "descending", key
        else:
            state, nxt = "none", key
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = nxt
        links[key] = {"href": "?" + params.urlencode(), "state": state}
    if not current:
        links["updated"]["state"] = "ascending"
        params = request.GET.copy()
        params["sort"] = "-updated"
        links["updated"]["href"] = "?" + params.urlencode()
    return links


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
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
def report(request: HttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(InspectionReport, slug=slug)
    visible = items_visible_to(request.user).filter(finding__report=obj)
    findings = obj.findings.annotate(
        items_count=Count("items", filter=Q(items__in=visible.values("pk")))
    )
    return render(request, "recommendations/report.html", {"report": obj, "findings": findings})


@permission_required("recommendations.publish_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    form = forms.ReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.report_publish(by=request.user, **form.cleaned_data)
        except errors.DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Report published. Now add its findings.")
            return redirect("recommendations:finding_new", slug=obj.slug)
    return render(
        request,
        "recommendations/report_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@permission_required("recommendations.publish_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def finding_new(request: HttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(InspectionReport, slug=slug)
    form = forms.FindingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["forces"]) or list(Force.objects.all())
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
                    )
                ],
            )
        except errors.DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                f"Finding issued to {len(created)} force{'s' if len(created) != 1 else ''}.",
            )
            return redirect("recommendations:report", slug=obj.slug)
    return render(
        request,
        "recommendations/finding_form.html",
        {"form": form, "report": obj},
        status=400 if form.errors else 200,
    )


@require_GET
def portal_page(request: HttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    response = HttpResponse(importing.item_page_text(obj), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{importing.export_filename(obj)}"'
    return response


IMPORT_SESSION_KEY = "portal_import"


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_pages(request: HttpRequest) -> HttpResponse:
    """Upload pages and preview what importing them would do; nothing is written."""
    form = forms.ImportForm(_posted(request), request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        files = [(f.name, f.read()) for f in form.cleaned_data["files"]]
        report_slug = form.cleaned_data["report"].slug
        force = form.cleaned_data["force"]
        preview = importing.plan(
            files, force_slug=force.slug if force else None, report_slug=report_slug
        )
        if preview.ok:
            request.session[IMPORT_SESSION_KEY] = {
                "files": [(name, data.decode("utf-8-sig")) for name, data in files],
                "report": report_slug,
                "force": force.slug if force else None,
                "fingerprint": preview.fingerprint(),
            }
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
    status = 400 if form.errors or (preview and not preview.ok) else 200
    return render(
        request, "recommendations/import.html", {"form": form, "preview": preview}, status=status
    )


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@require_http_methods(["POST"])
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Apply exactly what was previewed; if the data changed since, write nothing."""
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending:
        messages.error(request, "There is nothing to import. Upload the pages again.")
        return redirect("recommendations:import")
    files = [(name, text.encode("utf-8")) for name, text in pending["files"]]
    with transaction.atomic():
        plan = importing.plan(files, force_slug=pending["force"], report_slug=pending["report"])
        if not plan.ok or plan.fingerprint() != pending["fingerprint"]:
            request.session.pop(IMPORT_SESSION_KEY, None)
            return render(
                request,
                "recommendations/import.html",
                {"form": forms.ImportForm(), "preview": plan, "changed": True},
                status=409,
            )
        importing.apply(plan, by=request.user)
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request, f"Imported {len(plan.files)} page{'s' if len(plan.files) != 1 else ''}."
    )
    return render(
        request, "recommendations/import.html", {"form": forms.ImportForm(), "done": plan}
    )
