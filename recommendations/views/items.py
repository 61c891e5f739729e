"""The item page, its history, its portal-page download, and one form per action.
The services decide; a view shows the service's own refusal with its status code."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from engage.selectors import item_plan
from evidence import views as evidence_views
from evidence.forms import add_evidence_fields
from evidence.selectors import evidence_of_item
from evidence.uploads import evidence_limits
from responses.selectors import item_response
from tracker.downloads import TEXT, csv_download, download
from tracker.refusals import form_error, refusal_status, shows_refusals
from tracker.uploads import UploadRefused, limit_uploads

from .. import actions, errors, forms, history, policy, services
from ..models import TrackedItem
from ..policy import Action
from ..portal_format import importing
from ..selectors import (
    is_overdue,
    is_stale,
    item_detail,
    item_for_action,
    open_proposal,
    review_overdue_on_page,
    timeline_newest_first,
)
from . import decisions
from .common import AuthenticatedHttpRequest, posted


def _form_for(spec: actions.ActionSpec) -> Callable[..., forms.GovukForm]:
    """The registry's form for the action, with the evidence `files` and `marking`
    fields after its own where the action can carry files."""
    if not spec.takes_evidence:
        return spec.form

    def make(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
        form = spec.form(*args, item=item, **kwargs)
        add_evidence_fields(form)
        return form

    return make


@require_GET
def item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    proposal = open_proposal(obj)
    offered = [
        (name, policy.ACTIONS[Action(name)].label)
        for name in policy.allowed_actions(request.user, obj, proposal)
    ]
    timeline = timeline_newest_first(obj.pk, force_name=obj.force.name)
    return render(
        request,
        "recommendations/item.html",
        {
            "item": obj,
            "timeline": timeline,
            "proposal": proposal,
            "overdue": is_overdue(obj),
            "stale": is_stale(obj),
            "review_overdue": review_overdue_on_page(obj, timeline),
            "actions": offered,
            "evidence": evidence_of_item(obj.pk, request.user),
            "may_remove_evidence": policy.refusal(request.user, Action.REMOVE_EVIDENCE, obj)
            is None,
            "pcc_response": item_response(request.user, obj),
            "engage_plan": item_plan(request.user, obj),
        },
    )


@csrf_exempt  # checked by _item_action_checked, after the gate and the upload limits
@require_http_methods(["GET", "POST"])
@shows_refusals
def item_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """An action's form. The service decides (under the item's lock) and its domain
    error is what the person sees, with the error's own status code (tracker.refusals);
    the refusal shown before a form is posted comes from the same function the service
    asks. A form that can carry evidence files is let through the evidence gate
    (permission first) and then gets the upload limits (tracker.uploads) before its body
    is read."""
    if request.method == "POST" and action in policy.ATTACH_EVIDENCE:
        if evidence_views.upload_gate(request, pk, action) is not None:
            # Refused for the item's present state: the page says why, the body unread.
            return _item_action(request, pk, action, read=False)
        return _item_action_with_files(request, pk, action)
    return _item_action_checked(request, pk, action)


def _item_action(
    request: AuthenticatedHttpRequest,
    pk: int,
    action: str,
    *,
    read: bool = True,
    upload_refused: UploadRefused | None = None,
) -> HttpResponse:
    """The action's page. `read`: whether the body may be read (not when refused
    unread); `upload_refused`: files refused by their limits, nothing of them kept."""
    spec = actions.spec(action)
    if spec is None:
        raise Http404("No such action")
    make_form = _form_for(spec)
    # A POST needs only the item (the service reads the rest under its lock); a GET
    # shows the form beside the item.
    load = item_for_action if request.method == "POST" else item_detail
    obj = load(user=request.user, pk=pk)
    initial = {
        "version": obj.version,
        "owner_name": obj.owner_name,
        "owner_rank": obj.owner_rank,
        "owner_department": obj.owner_department,
        "target_date": obj.target_date,
        "lead": obj.liaison_lead_id,
    }
    read = read and (upload_refused is None or not upload_refused.unread)
    data = posted(request) if read else None
    with_files = read and upload_refused is None and action in policy.ATTACH_EVIDENCE
    files = request.FILES if with_files and data is not None else None
    form = make_form(data, files, initial=initial, item=obj)
    refusal: errors.DomainError | type[errors.DomainError] | None = None
    if upload_refused is not None:
        refusal, _ = services.action_refusal(request.user, action, obj)
        if refusal is None:  # a file too large, or too many: nothing is kept
            form.is_valid()
            status = form_error(form, upload_refused)
            return _action_page(request, obj, action, form=form, status=status)
    elif request.method == "POST" and form.is_valid():
        version = obj.version
        try:
            done = spec.run(request.user, obj, form.cleaned_data)
        except errors.DomainError as error:
            if isinstance(error, errors.ItemChanged):
                obj = item_detail(user=request.user, pk=pk)
                form = _refreshed_owner_form(obj)
                status = form_error(form, error)
                return _action_page(request, obj, action, form=form, status=status)
            if error.http_status == 400:
                status = form_error(form, error)
                return _action_page(request, obj, action, form=form, status=status)
            refusal = error
        else:
            if isinstance(done, TrackedItem) and done.version == version:
                # The service changed nothing (the same owner, the same lead): say so.
                messages.info(request, "Nothing changed")
            else:
                messages.success(request, spec.done_message(form.cleaned_data))
            if action in decisions.DECISIONS and request.POST.get("then") == decisions.THEN_NEXT:
                return _to_next_proposal(request, obj)
            return redirect("recommendations:item", pk=obj.pk)
    else:
        refusal, _ = services.action_refusal(request.user, action, obj)
    if refusal is not None:
        # Allowed for this person, but not in the item's present state: say why, no form
        # (a 403 is the 403 page).
        status = refusal_status(refusal)
        return _action_page(request, obj, action, refusal=refusal.message, status=status)
    return _action_page(
        request, obj, action, form=form, status=400 if request.method == "POST" else 200
    )


def _files_refused(
    request: AuthenticatedHttpRequest, error: UploadRefused, pk: int, action: str
) -> HttpResponse:
    return _item_action(request, pk, action, upload_refused=error)


_item_action_checked = csrf_protect(_item_action)
_item_action_with_files = limit_uploads(evidence_limits, refused=_files_refused)(_item_action)


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
            "page": actions.REGISTRY[Action(action)],
            "intro": actions.REGISTRY[Action(action)].intro_text(obj),
            "action": action,
            "refusal": refusal,
            "title": policy.ACTIONS[Action(action)].label,
            "proposal": open_proposal(obj),
            **decisions.action_context(obj, action),
        },
        status=status,
    )


def _to_next_proposal(request: AuthenticatedHttpRequest, obj: TrackedItem) -> HttpResponse:
    """After a decision, "Save and go to the next proposal": the oldest open proposal
    the person may decide, or their home page when none is left."""
    following = decisions.next_proposal(request.user, after=obj)
    if following is None:
        messages.info(request, "There are no more closure proposals for you to decide.")
        return redirect("recommendations:dashboard")
    return redirect("recommendations:action", pk=following.pk, action=Action.AUTHORISE_CLOSURE)


def _refreshed_owner_form(obj: TrackedItem) -> forms.GovukForm:
    """The owner form with the item's current values, after a refused stale save (the
    caller puts the error on it)."""
    return forms.OwnerForm(
        initial={
            "version": obj.version,
            "owner_name": obj.owner_name,
            "owner_rank": obj.owner_rank,
            "owner_department": obj.owner_department,
            "target_date": obj.target_date,
        }
    )


@require_GET
def item_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The item's history of changes in plain language, newest first."""
    obj = item_detail(user=request.user, pk=pk)
    return render(
        request,
        "recommendations/history.html",
        {"item": obj, "rows": history.item_history_rows(obj, request.user)},
    )


@require_GET
def item_history_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same history as CSV, for audit."""
    obj = item_detail(user=request.user, pk=pk)
    name = importing.export_filename(obj).removesuffix(".txt")
    return csv_download(
        history.csv_rows(history.item_history_rows(obj, request.user)),
        headers=history.CSV_HEADERS,
        filename=f"{name}-history.csv",
        stream=False,
    )


@require_GET
def portal_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    return download(
        importing.item_page_text(obj), filename=importing.export_filename(obj), content_type=TEXT
    )
