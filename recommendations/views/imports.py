"""Importing portal pages in the browser: upload and preview, confirm, and the progress
of a large import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tracker.refusals import form_error, shows_refusals
from tracker.security import event
from tracker.uploads import UploadRefused, limit_uploads

from .. import forms, imports
from ..models import PendingImport, Status
from ..uploads import import_limits
from .common import AuthenticatedHttpRequest, posted


def _import_refused(request: HttpRequest, error: UploadRefused) -> HttpResponse:
    """The upload form again, saying which limit the files went past; nothing of them
    is kept (and, refused by its declared length, nothing of the body read)."""
    form = forms.ImportForm()
    status = form_error(form, error)
    return render(request, "recommendations/import.html", {"form": form}, status=status)


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@require_http_methods(["GET", "POST"])
@limit_uploads(import_limits, refused=_import_refused)
@shows_refusals
def import_pages(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload pages and preview what importing them would do; nothing is written.
    A body that says it is too large is refused before it is read; the rest streams
    through the upload limiter, which stops at the first file over the limit
    (recommendations.uploads.import_limits, tracker.uploads)."""
    form = forms.ImportForm(posted(request), request.FILES or None)
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
        {
            "form": form,
            "preview": plan,
            "pending": pending,
            "status_names": dict(Status.objects.values_list("slug", "name")) if plan else {},
        },
        status=status,
    )


@permission_required("recommendations.import_portal_pages", raise_exception=True)
@require_http_methods(["POST"])
@shows_refusals
def import_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def import_status(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
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
