"""Downloading a file (anyone who can see the item) and removing one (administrators);
and the upload gate the action pages use when a form carries files: permission first,
then the body."""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from recommendations import errors
from recommendations.policy import Action
from recommendations.policy import refusal as policy_refusal
from recommendations.selectors import item_detail
from recommendations.services import action_refusal
from recommendations.uploads import declared_length, megabytes
from recommendations.views.common import AuthenticatedHttpRequest, posted

from . import services
from .checks import evidence_name
from .forms import RemoveForm
from .models import Evidence
from .selectors import evidence_for_download
from .uploads import EvidenceUploadHandler, max_request_bytes

logger = logging.getLogger(__name__)
UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9 ._()+,-]")


def ascii_filename(name: str) -> str:
    """A plain-ASCII fallback name for Content-Disposition (the UTF-8 name goes in
    filename*): no quotes, slashes or control characters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = UNSAFE_IN_FILENAME.sub("_", plain).strip(" .") or "evidence"
    return plain[:150]


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
    name = evidence_name(evidence.name, evidence.content_type)
    fallback, encoded = ascii_filename(name), quote(name, safe="")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
def remove(request: AuthenticatedHttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """An administrator removes a file with a reason; everyone else may not (403), and
    an item outside the scope is not found (404)."""
    item = item_detail(user=request.user, pk=pk)
    refusal = policy_refusal(request.user, Action.REMOVE_EVIDENCE, item)
    if refusal is not None:
        raise PermissionDenied(refusal.message)
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
                if error.http_status == 403:
                    raise PermissionDenied(error.message) from error
                form.add_error("reason" if error.field == "reason" else None, error.message)
                status = error.http_status
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


def upload_gate(request: AuthenticatedHttpRequest, pk: int, action: str) -> EvidenceUploadHandler:
    """Permission first, then the body, for a POST of an action that may carry files,
    called before anything reads the body (the CSRF check included). The item must be
    one the person can see (404) and the action one the policy lets them take (403):
    otherwise the answer goes out with the body unread and no file opened. An action
    refused only for the item's present state gets an unread limiter, so the page says
    why (409) without reading the body. Otherwise the upload limits go in place
    (upload_limiter); the service asks the policy again under the item's lock."""
    item = item_detail(user=request.user, pk=pk)
    error_class, _ = action_refusal(request.user, action, item)
    if error_class is not None:
        if error_class.http_status == 403:
            raise PermissionDenied(error_class().message)
        limiter = EvidenceUploadHandler(request)
        limiter.unread = True
        return limiter
    return upload_limiter(request)


def upload_limiter(request: HttpRequest) -> EvidenceUploadHandler:
    """Put the evidence upload limits in place on a POST that may carry files, before
    anything reads its body (the CSRF check included). A body declaring more than the
    files could ever be is refused unread (`unread` set, with the refusal); otherwise
    the handler stops keeping a file at EVIDENCE_MAX_BYTES and says so on `refusal`."""
    limiter = EvidenceUploadHandler(request)
    declared = declared_length(request) or 0  # not a number: refused by the caller first
    if declared > max_request_bytes():
        limiter.unread = True
        limiter.refusal = (
            f"The files together are larger than {megabytes(max_request_bytes())}: "
            "select fewer or smaller files"
        )
    else:
        request.upload_handlers.insert(0, limiter)
    return limiter
