"""Overdue PCC responses in the reminder digest, claimed once as stale items are
(ADR 0002): the sweep claims each overdue (report, force) with one
INSERT ... ON CONFLICT DO NOTHING RETURNING against the unique constraint on
`ResponseReminder`, so only the sweep that won writes the per-person deliveries, in the
same transaction; a digest sends only pending deliveries, locked SKIP LOCKED, and marks
them sent with the item reminders. A response is overdue once, so it is claimed once.

The people reminded are the force's liaison officers and liaison leads (those who record
responses), with an email address, found by permission as for stale items.

The core's sweep and digest (recommendations.reminders) call these through the digest
section `DIGEST`, registered in ResponsesConfig.ready (recommendations.hooks).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from recommendations.hooks import DigestSection
from recommendations.models import TrackedItem
from tracker.humanise import long_date

from .models import ResponseReminder, ResponseReminderDelivery, due_date
from .selectors import state_q

CLAIM_CHUNK = 5000


def unclaimed_overdue(on: dt.date) -> list[tuple[int, int]]:
    """(report id, force id) of every overdue response not yet claimed, in one query."""
    claimed = ResponseReminder.objects.filter(
        report=OuterRef("finding__report"), force=OuterRef("force")
    )
    return list(
        TrackedItem.objects.filter(state_q("overdue", on))
        .filter(~Exists(claimed))
        .values_list("finding__report_id", "force_id")
        .distinct()
        .order_by("finding__report_id", "force_id")
    )


def claim(
    on: dt.date, officers: dict[int, set[int]], leads: dict[int, set[int]]
) -> list[tuple[int, int, int]]:
    """Claim the unclaimed overdue responses and write their deliveries; return the
    (reminder id, report id, force id) this sweep won. Call inside a transaction."""
    pairs = unclaimed_overdue(on)
    won: list[tuple[int, int, int]] = []
    table = ResponseReminder._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), CLAIM_CHUNK):
            chunk = pairs[start : start + CLAIM_CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for report_id, force_id in chunk:
                params += [report_id, force_id, now]
            cursor.execute(
                f"INSERT INTO {table} (report_id, force_id, created_at) "  # noqa: S608  # nosec B608
                f"VALUES {values} "
                f"ON CONFLICT (report_id, force_id) DO NOTHING "
                f"RETURNING id, report_id, force_id",
                params,
            )
            won += [(rid, report_id, force_id) for rid, report_id, force_id in cursor.fetchall()]
    ResponseReminderDelivery.objects.bulk_create(
        [
            ResponseReminderDelivery(reminder_id=rid, user_id=user_id)
            for rid, _, force_id in won
            for user_id in sorted(officers.get(force_id, set()) | leads.get(force_id, set()))
        ],
        batch_size=CLAIM_CHUNK,
    )
    return won


def pending_people() -> set[int]:
    return set(
        ResponseReminderDelivery.objects.filter(sent_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )


def lock_pending(user_id: int) -> list[ResponseReminderDelivery]:
    """The person's pending deliveries, locked until the digest's transaction ends
    (deliveries another digest holds are skipped)."""
    return list(
        ResponseReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(user_id=user_id, sent_at__isnull=True)
        .select_related("reminder__report", "reminder__force")
        .order_by("reminder__report__published", "reminder__force__name")
    )


def lines(deliveries: list[ResponseReminderDelivery], on: dt.date) -> list[dict[str, object]]:
    """What the digest says of each overdue response."""
    base = (settings.PORTAL_BASE_URL or "http://127.0.0.1:8000").rstrip("/")
    result = []
    for d in deliveries:
        report, force = d.reminder.report, d.reminder.force
        due = due_date(report.published)
        result.append(
            {
                "force": force.name,
                "report": report.title,
                "due": long_date(due),
                "days": (on - due).days,
                "url": base
                + reverse("recommendations:report", args=[report.slug])
                + "#pcc-responses",
            }
        )
    return result


def mark_sent(deliveries: list[ResponseReminderDelivery]) -> None:
    now = timezone.now()
    ResponseReminderDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(sent_at=now)
    ResponseReminder.objects.filter(
        pk__in={d.reminder_id for d in deliveries}, sent_at__isnull=True
    ).update(sent_at=now)


def subject(count: int) -> str:
    """The digest subject's words for `count` overdue responses."""
    return f"{count} overdue police and crime commissioner's response{'s' if count != 1 else ''}"


DIGEST = DigestSection(
    name="responses",  # the digest templates' name for these lines
    claim=claim,
    pending_people=pending_people,
    lock_pending=lock_pending,
    lines=lines,
    subject=subject,
    mark_sent=mark_sent,
)
