"""Views parse input with a form and call one service or selector; no rules live here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.forms.utils import ErrorDict
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
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from forces.models import Force
from tracker.security import event

from . import dashboards, errors, exports, forms, imports, policy, services
from .filters import SORTS, ItemFilter
from .models import InspectionReport, PendingImport, TrackedItem
from .portal_format import importing
from .selectors import (
    item_detail,
    items_visible_to,
    open_proposal,
    timeline_newest_first,
    today,
)
from .templatetags.govuk import choices_of
from .uploads import LimitedUploadHandler, megabytes

ActionHandler = Callable[[HttpRequest, TrackedItem, dict], object]
FormFactory = Callable[..., forms.GovukForm]


@dataclass(frozen=True)
class ActionPage:
    form: FormFactory
    handler: ActionHandler
    done: str
    intro: str = ""
    button: str = "Save"


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even an empty one; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _reason_form(label: str, *, required: bool = True, missing: str = "") -> FormFactory:
    def make(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
        return forms.ReasonForm(
            *args, label=label, required=required, missing=missing or "Enter the reason", **kwargs
        )

    return make


def _comment_form(label: str) -> FormFactory:
    def make(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
        return forms.CommentForm(*args, label=label, **kwargs)

    return make


def _plain(form_class: type[forms.GovukForm]) -> FormFactory:
    def make(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
        return form_class(*args, **kwargs)

    return make


def _lead_form(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
    return forms.LeadForm(*args, leads=services.leads_for(item), **kwargs)


ACTION_PAGES: dict[str, ActionPage] = {
    "progress-update": ActionPage(
        form=_comment_form("Progress update"),
        handler=lambda r, item, d: services.comment_add(
            item=item, by=r.user, text=d["text"], on=d["date"], action="progress-update"
        ),
        done="Progress update added",
        intro="Say what the force has done towards this item, with any evidence.",
        button="Add progress update",
    ),
    "comment": ActionPage(
        form=_comment_form("Comment"),
        handler=lambda r, item, d: services.comment_add(
            item=item, by=r.user, text=d["text"], on=d["date"]
        ),
        done="Comment added",
        button="Add comment",
    ),
    "owner": ActionPage(
        form=_plain(forms.OwnerForm),
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
        form=_reason_form("Comment", required=False),
        handler=lambda r, item, d: services.status_change(item=item, by=r.user, reason=d["reason"]),
        done="Status changed",
        button="Change status",
    ),
    "no-further-action": ActionPage(
        form=_plain(forms.NoFurtherActionForm),
        handler=lambda r, item, d: services.no_further_action(
            item=item, by=r.user, reason=d["reason"], superseded_by=d["superseded_by"]
        ),
        done="Marked as no further action needed",
        intro="Use this when a later inspection supersedes the item, for example.",
        button="Mark no further action needed",
    ),
    "propose-closure": ActionPage(
        form=_reason_form("Why it should close", missing="Enter why it should close"),
        handler=lambda r, item, d: services.closure_propose(
            item=item, by=r.user, reason=d["reason"]
        ),
        done="Closure proposed. A chief of staff for the region will decide.",
        intro="Say how the force has met the requirement. A regional chief of staff, not "
        "you, authorises closure.",
        button="Propose closure",
    ),
    "authorise-closure": ActionPage(
        form=_reason_form("Note", required=False),
        handler=lambda r, item, d: services.closure_authorise(
            item=item, by=r.user, note=d["reason"]
        ),
        done="Closure authorised. The item is complete.",
        button="Authorise closure",
    ),
    "return-closure": ActionPage(
        form=_reason_form("Why you are returning it", missing="Enter why you are returning it"),
        handler=lambda r, item, d: services.closure_return(
            item=item, by=r.user, reason=d["reason"]
        ),
        done="Closure proposal returned. The item stays being progressed.",
        button="Return proposal",
    ),
    "withdraw-closure": ActionPage(
        form=_reason_form("Why you are withdrawing it", missing="Enter why you are withdrawing it"),
        handler=lambda r, item, d: services.closure_withdraw(
            item=item, by=r.user, reason=d["reason"]
        ),
        done="Closure proposal withdrawn. The item stays being progressed.",
        intro="Withdraw the proposal before a chief of staff decides it, for example to move "
        "the item back to review. The reason goes on the timeline.",
        button="Withdraw proposal",
    ),
    "assign-lead": ActionPage(
        form=_lead_form,
        handler=lambda r, item, d: services.liaison_lead_assign(
            item=item, by=r.user, lead=d["lead"]
        ),
        done="Liaison lead saved",
        intro="The liaison lead reviews the item and is reminded when it goes stale.",
    ),
}
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
    """An action's form. The service decides (under the item's lock) and its domain
    error is what the person sees, with the error's own status code; the refusal shown
    before a form is posted comes from the same function the service asks."""
    page = ACTION_PAGES.get(action)
    if page is None:
        raise Http404("No such action")
    obj = item_detail(user=request.user, pk=pk)
    initial = {
        "version": obj.version,
        "owner_name": obj.owner_name,
        "owner_rank": obj.owner_rank,
        "owner_department": obj.owner_department,
        "target_date": obj.target_date,
        "lead": obj.liaison_lead_id,
    }
    form = page.form(_posted(request), initial=initial, item=obj)
    refusal: errors.DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            page.handler(request, obj, form.cleaned_data)
        except errors.DomainError as error:
            if isinstance(error, errors.ItemChanged):
                obj = item_detail(user=request.user, pk=pk)
                form = _refreshed_owner_form(form, obj, error)
                return _action_page(request, obj, action, form=form, status=409)
            if error.http_status == 400:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _action_page(request, obj, action, form=form, status=400)
            refusal = error
        else:
            messages.success(request, page.done)
            return redirect("recommendations:item", pk=obj.pk)
    else:
        error_class, _ = services.action_refusal(request.user, action, obj)
        refusal = error_class() if error_class is not None else None
    if refusal is not None:
        if refusal.http_status == 403:
            raise PermissionDenied(refusal.message)
        # Allowed for this person, but not in the item's present state: say why, no form.
        return _action_page(request, obj, action, refusal=refusal.message, status=409)
    return _action_page(
        request, obj, action, form=form, status=400 if request.method == "POST" else 200
    )


def _action_page(
    request: HttpRequest,
    obj: TrackedItem,
    action: str,
    *,
    status: int,
    form: forms.GovukForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    return render(
        request,
        "recommendations/action.html",
        {
            "item": obj,
            "form": form,
            "page": ACTION_PAGES[action],
            "action": action,
            "refusal": refusal,
            "title": policy.ACTIONS[action].label,
            "proposal": open_proposal(obj),
        },
        status=status,
    )


def _refreshed_owner_form(
    old: forms.GovukForm, obj: TrackedItem, error: errors.DomainError
) -> forms.GovukForm:
    """Show the current values after a refused stale save, with the error message."""
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
    fresh._errors.setdefault("__all__", fresh.error_class()).append(error.message)
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


IMPORT_MAX_REQUEST_BYTES = 20 * 1024 * 1024


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@csrf_exempt  # checked by import_upload once the limited handler is in place
@require_http_methods(["GET", "POST"])
def import_pages(request: HttpRequest) -> HttpResponse:
    """Upload pages and preview what importing them would do; nothing is written.
    A body that says it is too large is refused before it is read; the rest streams
    through a handler that stops at the first file over the limit."""
    if request.method == "POST":
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > IMPORT_MAX_REQUEST_BYTES:
            return _import_refused(
                request,
                f"The upload is larger than {megabytes(IMPORT_MAX_REQUEST_BYTES)}: "
                "upload fewer pages at once",
            )
        limiter = LimitedUploadHandler(
            request, per_file=importing.MAX_FILE_BYTES, total=IMPORT_MAX_REQUEST_BYTES
        )
        request.upload_handlers.insert(0, limiter)
        return _import_upload(request, limiter)
    return _import_upload(request, None)


def _import_refused(request: HttpRequest, message: str) -> HttpResponse:
    form = forms.ImportForm()
    form._errors = ErrorDict(files=form.error_class([message]))  # shown, nothing read
    return render(request, "recommendations/import.html", {"form": form}, status=413)


@csrf_protect
def _import_upload(request: HttpRequest, limiter: LimitedUploadHandler | None) -> HttpResponse:
    form = forms.ImportForm(_posted(request), request.FILES or None)
    if limiter is not None and limiter.refusal:
        return _import_refused(request, limiter.refusal)
    plan = pending = None
    if request.method == "POST" and form.is_valid():
        force = form.cleaned_data["force"]
        plan, pending = imports.preview(
            owner=request.user,
            files=[(f.name, f.read()) for f in form.cleaned_data["files"]],
            report_slug=form.cleaned_data["report"].slug,
            force_slug=force.slug if force else None,
        )
        event(
            "import-previewed",
            request=request,
            files=len(plan.files),
            problems=len(plan.problems),
            entries=plan.changes,
        )
    status = 400 if form.errors or (plan and not plan.ok) else 200
    return render(
        request,
        "recommendations/import.html",
        {"form": form, "preview": plan, "pending": pending},
        status=status,
    )


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@require_http_methods(["POST"])
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Apply exactly what was previewed; if the data changed since, write nothing.
    Large imports go to the worker and the person sees their progress."""
    pending = imports.pending_for(request.user, request.POST.get("import_id"))
    if pending is None or pending.state != PendingImport.State.PREVIEWED:
        messages.error(request, "There is nothing to import. Upload the pages again.")
        return redirect("recommendations:import")
    if pending.entries > imports.background_threshold():
        if not imports.queue(pending):
            messages.error(
                request, "The import could not be started. Nothing was written: try again later."
            )
            return redirect("recommendations:import")
        event("import-queued", request=request, entries=pending.entries)
        return redirect("recommendations:import_status", pk=pending.pk)
    try:
        plan = imports.apply(pending)
    except imports.PreviewOutdated:
        pending.delete()
        return render(
            request,
            "recommendations/import.html",
            {"form": forms.ImportForm(), "changed": True},
            status=409,
        )
    messages.success(
        request, f"Imported {len(plan.files)} page{'s' if len(plan.files) != 1 else ''}."
    )
    return render(
        request, "recommendations/import.html", {"form": forms.ImportForm(), "done": plan}
    )


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@require_GET
def import_status(request: HttpRequest, pk: str) -> HttpResponse:
    """The progress of a person's own background import; refreshes itself while it runs
    (a meta refresh, so it works without JavaScript)."""
    pending = imports.pending_for(request.user, pk)
    if pending is None:
        raise Http404("No such import")
    running = pending.state in (PendingImport.State.QUEUED, PendingImport.State.RUNNING)
    return render(
        request,
        "recommendations/import_status.html",
        {"pending": pending, "running": running},
    )
