"""Reads of evidence: always through an item the person can see.

A PCC office reads the items of the police force it serves, but of their evidence only
the files marked OFFICIAL: OFFICIAL-SENSITIVE files are need-to-know, and the office
does not need them to hold the chief constable to account. They are not listed, and
their download is "not found", as a file outside the scope is. On what is addressed to
the office itself (its own items), it reads every file, as a liaison officer does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from recommendations.policy import served_force_ids
from recommendations.selectors import visible_item

from .checks import evidence_name
from .models import TYPE_LABELS, Evidence


def file_size(size: int) -> str:
    """Bytes as people read them: 820 bytes, 14 KB, 2.3 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _person(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or username or ""


def readable_by(user: User) -> Q:
    """The files a person may read among those of items they see: all but, on the items
    of a police force they read as its PCC office, the OFFICIAL-SENSITIVE ones."""
    served = served_force_ids(user)
    if not served:
        return Q()
    return ~Q(item__force_id__in=served, marking=Evidence.Marking.OFFICIAL_SENSITIVE)


def evidence_of_item(item_id: int, user: User | None = None) -> list[dict[str, Any]]:
    """An item's files for its page, oldest first, as plain rows in one query, with the
    removed ones as tombstones. With `user`, only the files that person may read
    (`readable_by`)."""
    rows = (
        Evidence.objects.filter(item_id=item_id)
        .filter(readable_by(user) if user is not None else Q())
        .order_by("uploaded_at", "id")
        .values_list(
            "id",
            "entry_id",
            "name",
            "size",
            "content_type",
            "sha256",
            "marking",
            "uploaded_at",
            "retain_until",
            "uploaded_by__first_name",
            "uploaded_by__last_name",
            "uploaded_by__username",
            "removed_at",
            "removed_reason",
            "removed_by__first_name",
            "removed_by__last_name",
            "removed_by__username",
        )
    )
    years = settings.EVIDENCE_RETAIN_YEARS
    return [
        {
            "id": pk,
            "entry_id": entry_id,
            "name": evidence_name(name, content_type),  # as it downloads
            "size": file_size(size),
            "type": TYPE_LABELS.get(content_type, content_type),
            "sha256": sha256,
            "marking": marking,
            "uploaded_at": uploaded_at,
            "by": _person(first, last, username),
            "retention": (
                f"Review on {retain_until.day} {retain_until:%B %Y}"
                if retain_until
                else f"{years} years after closure"
            ),
            "url": reverse("evidence:download", args=[item_id, pk]),
            "remove_url": reverse("evidence:remove", args=[item_id, pk]),
            "removed_at": removed_at,
            "removed_reason": removed_reason,
            "removed_by": _person(rfirst, rlast, rusername),
        }
        for (
            pk,
            entry_id,
            name,
            size,
            content_type,
            sha256,
            marking,
            uploaded_at,
            retain_until,
            first,
            last,
            username,
            removed_at,
            removed_reason,
            rfirst,
            rlast,
            rusername,
        ) in rows
    ]


def evidence_for_download(*, user: User, item_id: int, evidence_id: int) -> Evidence:
    """A file that may be downloaded: its item visible to the person (404 otherwise, as
    for the item), the file one they may read (`readable_by`: 404 otherwise) and its
    content not removed (404)."""
    item = visible_item(user=user, pk=item_id)  # the scope check, without the page's extras
    evidence = (
        Evidence.objects.filter(item=item, pk=evidence_id, removed_at__isnull=True)
        .filter(readable_by(user))
        .first()
    )
    if evidence is None:
        raise Http404("No such file")
    return evidence


def due_for_review(before: dt.date) -> list[Evidence]:
    """Files whose retention review date is on or before `before`, earliest first."""
    return list(
        Evidence.objects.filter(removed_at__isnull=True, retain_until__lte=before)
        .select_related("item__force", "item__finding", "uploaded_by")
        .order_by("retain_until", "id")
    )
