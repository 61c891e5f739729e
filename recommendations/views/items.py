"""The item page, its history, its portal-page download, and one form per action.
The services decide; a view shows the service's own refusal with its status code."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorDict
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from evidence import views as evidence_views
from evidence.forms import add_evidence_fields
from evidence.selectors import evidence_of_item
from evidence.uploads import EvidenceUploadHandler
from responses.selectors import item_response

from .. import actions, errors, forms, history, policy, services
from ..models import TrackedItem
from ..policy import Action
from ..portal_format import importing
from ..selectors import (
    is_overdue,
    item_detail,
    open_proposal,
    timeline_newest_first,
)
from ..uploads import bad_content_length, declared_length
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
    return render(
        request,
        "recommendations/item.html",
        {
            "item": obj,
            "timeline": timeline_newest_first(obj.pk, force_name=obj.force.name),
            "proposal": proposal,
            "overdue": is_overdue(obj),
            "actions": offered,
            "bullets": _bullets(obj.finding.text),
            "evidence": evidence_of_item(obj.pk),
            "may_remove_evidence": policy.refusal(request.user, Action.REMOVE_EVIDENCE, obj)
            is None,
            "pcc_response": item_response(request.user, obj),
            "pcc_recordable": policy.refusal(request.user, Action.RECORD_RESPONSE, obj.force_id)
            is None,
        },
    )


def _bullets(text: str) -> tuple[str, list[str]]:
    """Split a recommendation's text into its lead-in and its bulleted actions."""
    from ..portal_format.parse import split_bullets

    return split_bullets(text)


@csrf_exempt  # checked by _item_action once the evidence upload limits are in place
@require_http_methods(["GET", "POST"])
def item_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """An action's form. The service decides (under the item's lock) and its domain
    error is what the person sees, with the error's own status code; the refusal shown
    before a form is posted comes from the same function the service asks. A form that
    can carry evidence files gets the upload limits before its body is read."""
    limiter = None
    if request.method == "POST" and action in policy.ATTACH_EVIDENCE:
        if declared_length(request) is None:
            return bad_content_length(request)
        limiter = evidence_views.upload_gate(request, pk, action)  # permission, then the body
        if limiter.unread:  # refused by its size or the item's state: the body is never read
            return _item_action(request, pk, action, limiter)
    return _item_action_checked(request, pk, action, limiter)


def _item_action(
    request: AuthenticatedHttpRequest,
    pk: int,
    action: str,
    limiter: EvidenceUploadHandler | None,
) -> HttpResponse:
    spec = actions.spec(action)
    if spec is None:
        raise Http404("No such action")
    make_form = _form_for(spec)
    obj = item_detail(user=request.user, pk=pk)
    initial = {
        "version": obj.version,
        "owner_name": obj.owner_name,
        "owner_rank": obj.owner_rank,
        "owner_department": obj.owner_department,
        "target_date": obj.target_date,
        "lead": obj.liaison_lead_id,
    }
    unread = limiter is not None and limiter.unread
    data = None if unread else posted(request)
    files = request.FILES if limiter is not None and not unread else None
    form = make_form(data, files, initial=initial, item=obj)
    refusal: errors.DomainError | None = None
    if limiter is not None and limiter.refusal:
        error_class, _ = services.action_refusal(request.user, action, obj)
        if error_class is None:  # a file too large, or too many: nothing is kept
            form = make_form(data, None, initial=initial, item=obj)  # the files are closed
            form.is_valid()
            form._errors = form._errors or ErrorDict()  # type: ignore[attr-defined]  # the form's error cache, not in the stubs
            form._errors["files"] = form.error_class([limiter.refusal])  # type: ignore[attr-defined]  # as above
            return _action_page(request, obj, action, form=form, status=413)
    if request.method == "POST" and form.is_valid():
        version = obj.version
        try:
            done = spec.run(request.user, obj, form.cleaned_data)
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
            if isinstance(done, TrackedItem) and done.version == version:
                # The service changed nothing (the same owner, the same lead): say so.
                messages.info(request, "Nothing changed")
            else:
                messages.success(request, spec.done)
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


_item_action_checked = csrf_protect(_item_action)


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
            "action": action,
            "refusal": refusal,
            "title": policy.ACTIONS[Action(action)].label,
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
    shown = old.errors
    shown.setdefault("__all__", fresh.error_class()).append(error.message)
    fresh._errors = shown  # type: ignore[attr-defined]  # the form's error cache, not in the stubs
    return fresh


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
    response = HttpResponse(
        history.csv_text(history.item_history_rows(obj, request.user)),
        content_type="text/csv; charset=utf-8",
    )
    name = importing.export_filename(obj).removesuffix(".txt")
    response["Content-Disposition"] = f'attachment; filename="{name}-history.csv"'
    return response


@require_GET
def portal_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    obj = item_detail(user=request.user, pk=pk)
    response = HttpResponse(importing.item_page_text(obj), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{importing.export_filename(obj)}"'
    return response
