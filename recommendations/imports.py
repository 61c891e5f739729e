"""Uploaded portal pages between preview and import, kept server-side.

A preview stores the pages with their owner, the preview's fingerprint and an expiry
(a day; the daily clean-up deletes expired rows), never in the session. Confirming
re-plans the same pages for the same person and applies them only when the plan is
still exactly what was previewed; an import with many new entries is applied by a Celery
task while the person watches a progress page. Either way it is one transaction through
the services: all of it, or nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from tracker.security import event

from . import errors
from .models import PendingImport
from .portal_format import importing

logger = logging.getLogger(__name__)

PREVIEW_LIFETIME = dt.timedelta(days=1)


class PreviewOutdated(errors.StateError):
    message = "The data changed since your preview: nothing was imported"


def background_threshold() -> int:
    """Imports with more new entries than this are applied by the worker."""
    return int(getattr(settings, "IMPORT_BACKGROUND_ENTRIES", 2000))


def preview(
    *,
    owner: User,
    files: list[tuple[str, bytes]],
    report_slug: str,
    force_slug: str | None,
) -> tuple[importing.ImportPlan, PendingImport | None]:
    """Plan the pages for their owner; keep them for confirmation when they can be
    imported and would change something."""
    plan = importing.plan(files, by=owner, force_slug=force_slug, report_slug=report_slug)
    if not plan.ok or not plan.changes:
        return plan, None
    pending = PendingImport.objects.create(
        owner=owner,
        files=[[name, data.decode("utf-8-sig")] for name, data in files],
        report_slug=report_slug,
        force_slug=force_slug or "",
        fingerprint=plan.fingerprint(),
        entries=plan.changes,
        expires_at=timezone.now() + PREVIEW_LIFETIME,
    )
    return plan, pending


def pending_for(owner: User, pk: str | uuid.UUID | None) -> PendingImport | None:
    """The person's own pending import, or None (another person's is never found)."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        return None
    return PendingImport.objects.filter(pk=key, owner=owner, expires_at__gt=timezone.now()).first()


def _files(pending: PendingImport) -> list[tuple[str, bytes]]:
    return [(name, text.encode("utf-8")) for name, text in pending.files]


@transaction.atomic
def apply(pending: PendingImport) -> importing.ImportPlan:
    """Apply exactly what was previewed, as its owner. Raises PreviewOutdated (nothing
    written) when the pages would now do something else."""
    locked = PendingImport.objects.select_for_update().get(pk=pending.pk)
    plan = importing.plan(
        _files(locked),
        by=locked.owner,
        force_slug=locked.force_slug or None,
        report_slug=locked.report_slug,
    )
    if not plan.ok or plan.fingerprint() != locked.fingerprint:
        raise PreviewOutdated
    importing.apply(plan, by=locked.owner)
    owner = locked.owner
    transaction.on_commit(
        lambda: event("import-applied", user=owner, files=len(plan.files), entries=plan.changes)
    )
    locked.state = PendingImport.State.DONE
    locked.outcome = [f"{f.name}: {f.outcome}" for f in plan.files]
    locked.files = []
    locked.save(update_fields=["state", "outcome", "files"])
    return plan


def queue(pending: PendingImport) -> bool:
    """Hand a large import to the worker; False (and nothing changed) when the broker
    cannot be reached."""
    from .tasks import apply_import

    PendingImport.objects.filter(pk=pending.pk).update(state=PendingImport.State.QUEUED)
    try:
        apply_import.apply_async(args=(str(pending.pk),), retry=False)
    except Exception:  # the broker is down: say so, keep the preview
        logger.warning("could not queue import %s; the broker is unreachable", pending.pk)
        PendingImport.objects.filter(pk=pending.pk).update(state=PendingImport.State.PREVIEWED)
        return False
    return True


def run_queued(pending_id: str) -> str:
    """The worker's part: apply a queued import once, recording the outcome. Safe to
    run twice: only a queued import starts."""
    with transaction.atomic():
        started = PendingImport.objects.filter(
            pk=pending_id, state=PendingImport.State.QUEUED
        ).update(state=PendingImport.State.RUNNING)
    if not started:
        return "not queued"
    pending = PendingImport.objects.select_related("owner").get(pk=pending_id)
    try:
        apply(pending)
    except errors.DomainError as error:
        _fail(pending_id, error.message)
        return "refused"
    except Exception:
        logger.exception("import %s failed", pending_id)
        _fail(pending_id, "The import failed and nothing was written. Try again later.")
        raise
    return "done"


def _fail(pending_id: str, message: str) -> None:
    PendingImport.objects.filter(pk=pending_id).update(
        state=PendingImport.State.FAILED, outcome=[message], files=[]
    )
