"""Downloading a file (anyone who can see the item) and removing one (administrators);
and the upload gate the action pages use when a form carries files: permission first,
then the body."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from recommendations import errors
from recommendations.policy import Action
from recommendations.policy import refusal as policy_refusal
from recommendations.selectors import item_detail, item_for_action
from recommendations.services import action_refusal
from tracker.downloads import attachment
from tracker.http import AuthenticatedHttpRequest, posted
from tracker.refusals import form_error, refusal_status, shows_refusals

from . import services
from .checks import evidence_name
from .forms import RemoveForm
from .models import Evidence
from .selectors import evidence_for_download

logger = logging.getLogger(__name__)


@require_GET
def download(request: AuthenticatedHttpRequest, pk: int, evidence_id: int) -> FileResponse:
    """The file, as an attachment with the type sniffed when it was uploaded; 404 when
    the item is outside the person's scope or the file was removed."""
    evidence = evidence_for_download(user=request.user, item_id=pk, evidence_id=evidence_id)
    try:
        handle = services.storage().open(evidence.storage_name, "rb")
    except OSError as error:  # the row is there but the content is not: never a 500
        logger.error("Evidence %s has no content in storage: %s", evidence.pk, error)
        raise Http404("The file's content is missing") from error
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Length"] = str(evidence.size)
    # The extension is the detected type's, never the sender's (records kept before
    # this rule included): a Word document sent as tool.jar downloads as tool.docx.
    attachment(response, evidence_name(evidence.name, evidence.content_type), from_person=True)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
@shows_refusals
def remove(request: AuthenticatedHttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """An administrator removes a file with a reason; everyone else may not (403), and
    an item outside the scope is not found (404)."""
    item = item_detail(user=request.user, pk=pk)
    refusal = policy_refusal(request.user, Action.REMOVE_EVIDENCE, item)
    if refusal is not None:
        raise refusal()
    evidence = Evidence.objects.filter(item=item, pk=evidence_id).select_related("uploaded_by")
    target = evidence.first()
    if target is None:
        raise Http404("No such file")
    form = RemoveForm(posted(request))
    status = 200
    if target.removed:
        status = 409
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.evidence_remove(
                    item=item,
                    evidence_id=target.pk,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except errors.DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(
                    request, f"{target.name} was removed. Its tombstone stays on the timeline."
                )
                return redirect("recommendations:item", pk=item.pk)
    return render(
        request,
        "evidence/remove.html",
        {"item": item, "evidence": target, "form": form},
        status=status,
    )


def upload_gate(
    request: AuthenticatedHttpRequest, pk: int, action: str
) -> type[errors.DomainError] | None:
    """Permission first, then the body, for a POST of an action that may carry files,
    called before anything reads the body (the CSRF check included). The item must be
    one the person can see (404) and the action one the policy lets them take (403):
    otherwise the answer goes out with the body unread and no file opened. An action
    refused only for the item's present state is answered with its refusal, so the page
    says why (409) without reading the body; None lets the upload limits go in place
    (tracker.uploads.limit_uploads, evidence.uploads.evidence_limits). The service asks
    the policy again under the item's lock."""
    item = item_for_action(user=request.user, pk=pk)
    error_class, _ = action_refusal(request.user, action, item)
    if error_class is not None:
        refusal_status(error_class)  # a 403 is the 403 page
    return error_class
