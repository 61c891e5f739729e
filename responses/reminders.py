"""PCC responses in the reminder digest, before the 56 days run out and after: each
force's response to a report is reminded at three stages, 14 days before it is due
(`due-14`), 3 days before (`due-3`) and once overdue (`overdue`), each once. A sweep
claims the stage a response is at on the day (a response first seen 2 days before its
deadline is reminded at `due-3` only; one received is never reminded) with one
INSERT ... ON CONFLICT DO NOTHING RETURNING against the unique constraint on
`ResponseReminder` (report, force, stage), as stale items are claimed (ADR 0002), so only
the sweep that won writes the per-person deliveries, in the same transaction; a digest
sends only pending deliveries, locked SKIP LOCKED, and marks them sent with the item
reminders.

The people reminded are those who write the response: the PCC office of the force (its
people hold `record_response` and `view_police_force`, scope the force's PCC office),
with an email address, found by permission as for stale items. Once it is overdue, the
force's liaison leads (the inspectorate, who track the responses) are told too. The
force's liaison officers are not: the force does not write its PCC's response.

The core's sweep and digest (recommendations.reminders) call these through the digest
section `DIGEST`, registered in ResponsesConfig.ready (recommendations.hooks).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from forces.roles import PCC_PERMISSION
from recommendations.hooks import DigestSection
from recommendations.models import TrackedItem
from tracker.humanise import long_date

from .models import ResponseReminder, ResponseReminderDelivery, due_date
from .selectors import last_on_time_published, state_q

CLAIM_CHUNK = 5000
Kind = ResponseReminder.Kind
# The stages before the deadline, latest first: (stage, days before the due date).
BEFORE_DUE = ((Kind.DUE_IN_3, 3), (Kind.DUE_IN_14, 14))
RECORD_PERMISSION = "record_response"


def stage_of(due: dt.date, on: dt.date) -> str | None:
    """The stage a response not yet received is at on `on`, None before 14 days out."""
    left = (due - on).days
    if left < 0:
        return Kind.OVERDUE
    for kind, days in BEFORE_DUE:
        if left <= days:
            return kind
    return None


def unclaimed(on: dt.date) -> list[tuple[int, int, str]]:
    """(report id, force id, stage) of every response not yet received whose stage on
    `on` is not yet claimed, in one query per stage."""
    found: list[tuple[int, int, str]] = []
    latest = last_on_time_published(on)  # due today
    windows: list[tuple[str, Q]] = [(Kind.OVERDUE, state_q("overdue", on))]
    nearer = latest - dt.timedelta(days=1)  # published before this: due before today
    for stage, days in BEFORE_DUE:
        edge = latest + dt.timedelta(days=days)
        window = Q(finding__report__published__gt=nearer, finding__report__published__lte=edge)
        windows.append((stage, state_q("due", on) & window))
        nearer = edge
    for kind, condition in windows:
        claimed = ResponseReminder.objects.filter(
            report=OuterRef("finding__report"), force=OuterRef("force"), kind=kind
        )
        found += [
            (report_id, force_id, kind)
            for report_id, force_id in TrackedItem.objects.filter(condition)
            .filter(~Exists(claimed))
            .values_list("finding__report_id", "force_id")
            .distinct()
            .order_by("finding__report_id", "force_id")
        ]
    return found


def _holding(codename: str) -> Q:
    return Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label="recommendations",
    )


def pcc_office_people() -> dict[int, set[int]]:
    """Active people with an email who write each police force's PCC responses, by the
    police force's id: they hold `record_response` and `view_police_force`, and their
    scope is the force's PCC office. One query."""
    people: dict[int, set[int]] = defaultdict(set)
    rows = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(_holding(RECORD_PERMISSION))
        .filter(_holding(PCC_PERMISSION))
        .filter(scope__forces__police_force__isnull=False)
        .values_list("scope__forces__police_force_id", "pk")
        .distinct()
    )
    for force_id, user_id in rows:
        if force_id is not None:  # the filter above: always set
            people[force_id].add(user_id)
    return people


def claim(
    on: dt.date, officers: dict[int, set[int]], leads: dict[int, set[int]]
) -> list[tuple[int, int, int]]:
    """Claim the responses' unclaimed stages and write their deliveries: the force's
    PCC office, and once overdue the force's liaison leads (`leads`, read by the sweep;
    `officers` are not reminded). Return the (reminder id, report id, force id) this
    sweep won. Call inside a transaction."""
    rows = unclaimed(on)
    writers = pcc_office_people() if rows else {}
    won: list[tuple[int, int, int, str]] = []
    table = ResponseReminder._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CLAIM_CHUNK):
            chunk = rows[start : start + CLAIM_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for report_id, force_id, kind in chunk:
                params += [report_id, force_id, kind, now]
            cursor.execute(
                f"INSERT INTO {table} (report_id, force_id, kind, created_at) "  # noqa: S608  # nosec B608
                f"VALUES {values} "
                f"ON CONFLICT (report_id, force_id, kind) DO NOTHING "
                f"RETURNING id, report_id, force_id, kind",
                params,
            )
            won += list(cursor.fetchall())

    def reminded(force_id: int, kind: str) -> set[int]:
        people = set(writers.get(force_id, ()))
        if kind == Kind.OVERDUE:
            people |= leads.get(force_id, set())
        return people

    ResponseReminderDelivery.objects.bulk_create(
        [
            ResponseReminderDelivery(reminder_id=rid, user_id=user_id)
            for rid, _, force_id, kind in won
            for user_id in sorted(reminded(force_id, kind))
        ],
        batch_size=CLAIM_CHUNK,
    )
    return [(rid, report_id, force_id) for rid, report_id, force_id, _ in won]


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
        .order_by("reminder__report__published", "reminder__force__name", "reminder__kind")
    )


def lines(deliveries: list[ResponseReminderDelivery], on: dt.date) -> list[dict[str, object]]:
    """What the digest says of each response: its due date and either the days left
    (`overdue` false) or the days overdue (`days`)."""
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
                "overdue": d.reminder.kind == Kind.OVERDUE,
                "days": (on - due).days,
                "days_left": max((due - on).days, 0),
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
    """The digest subject's words for `count` responses due soon or overdue, in the
    active language (the digest is made in its reader's: recommendations.reminders)."""
    return ngettext(
        "%(num)s police and crime commissioner's response due or overdue",
        "%(num)s police and crime commissioner's responses due or overdue",
        count,
    ) % {"num": count}


DIGEST = DigestSection(
    name="responses",  # the digest templates' name for these lines
    claim=claim,
    pending_people=pending_people,
    lock_pending=lock_pending,
    lines=lines,
    subject=subject,
    mark_sent=mark_sent,
)
