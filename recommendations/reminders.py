"""Stale-item reminders and escalation.

An item is stale when it is being progressed with no timeline entry for
STALE_AFTER_DAYS (`selectors.stale_q`, the same definition as the list's filter). It is
reminded once per stale period (the period starts at its last entry's date) and
escalated once when it stays stale for ESCALATE_AFTER_DAYS more. Each person gets one
digest listing all their items.

Safe to run twice, or twice at once: a sweep claims each (item, kind, period) with
INSERT ... ON CONFLICT DO NOTHING RETURNING, so only one sweep ever claims it, and it
writes one pending delivery per recipient in the same transaction. Digests send only
pending deliveries, under SKIP LOCKED, and mark them sent in the transaction that sent
them. A broker that is down loses nothing: the deliveries wait in the database and the
next sweep sends them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from forces.models import Scope

from .models import Reminder, ReminderDelivery, TrackedItem
from .notifications import item_url
from .selectors import stale_cutoff, stale_q, today

logger = logging.getLogger(__name__)
OFFICER_GROUP = "Force liaison officer"
LEAD_GROUP = "Force liaison lead"
CHIEF_GROUP = "Regional chief of staff"
CLAIM_CHUNK = 5000


@dataclass
class SweepResult:
    claimed: int = 0
    per_person: dict[str, tuple[int, int]] = field(default_factory=dict)  # name: (items, esc)

    @property
    def total(self) -> int:
        return sum(n + m for n, m in self.per_person.values())


def escalate_cutoff(on: dt.date) -> dt.date:
    return stale_cutoff(on) - dt.timedelta(days=settings.ESCALATE_AFTER_DAYS)


def _due(on: dt.date) -> list[tuple[int, str, dt.date, int, int | None, int]]:
    """(item id, kind, period start, force id, lead id, region id) of every reminder and
    escalation that is due and not yet claimed, in one query each."""
    rows = []
    for kind, extra in (
        (Reminder.Kind.REMINDER, Q()),
        (Reminder.Kind.ESCALATION, Q(last_entry_on__lt=escalate_cutoff(on))),
    ):
        claimed = Reminder.objects.filter(
            item=OuterRef("pk"), kind=kind, period_start=OuterRef("last_entry_on")
        )
        qs = (
            TrackedItem.objects.filter(stale_q(on) & extra)
            .filter(~Exists(claimed))
            .values_list("pk", "last_entry_on", "force_id", "liaison_lead_id", "force__region_id")
        )
        rows += [(pk, kind, start, force, lead, region) for pk, start, force, lead, region in qs]
    return rows


def _people() -> tuple[dict[int, set[int]], dict[int, set[int]], dict[int, set[int]]]:
    """Active people with an email, by force (officers, leads) and by region (chiefs)."""
    officers: dict[int, set[int]] = defaultdict(set)
    leads: dict[int, set[int]] = defaultdict(set)
    chiefs: dict[int, set[int]] = defaultdict(set)
    active = Q(user__is_active=True) & ~Q(user__email="")
    through = Scope.forces.through.objects.filter(
        Q(scope__user__is_active=True) & ~Q(scope__user__email=""),
        scope__user__groups__name__in=[OFFICER_GROUP, LEAD_GROUP],
    ).values_list("force_id", "scope__user_id", "scope__user__groups__name")
    for force_id, user_id, group in through:
        (officers if group == OFFICER_GROUP else leads)[force_id].add(user_id)
    for region_id, user_id in Scope.objects.filter(
        active, user__groups__name=CHIEF_GROUP, region__isnull=False
    ).values_list("region_id", "user_id"):
        chiefs[region_id].add(user_id)
    return officers, leads, chiefs


def _recipients(row, officers, leads, chiefs) -> set[int]:  # type: ignore[no-untyped-def]
    _, kind, _, force_id, lead_id, region_id = row
    people = set(officers.get(force_id, ()))
    people |= {lead_id} if lead_id else set(leads.get(force_id, ()))
    if kind == Reminder.Kind.ESCALATION:
        people |= chiefs.get(region_id, set())
    return people


def _claim(rows: list, recipients: list[set[int]]) -> list[tuple[int, int]]:
    """Insert the reminders; return (reminder id, row index) of those this sweep won."""
    now = timezone.now()
    won = []
    table = Reminder._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CLAIM_CHUNK):
            chunk = rows[start : start + CLAIM_CHUNK]
            values, params = [], []
            for index, (item_id, kind, period, *_rest) in enumerate(chunk, start=start):
                values.append("(%s, %s, %s, %s, %s, %s)")
                people = sorted(recipients[index])
                params += [item_id, kind, period, json.dumps(people), now, index]
            cursor.execute(
                f"WITH claim (item_id, kind, period_start, recipients, created_at, idx) AS "  # noqa: S608
                f"(VALUES {', '.join(values)}) "
                f"INSERT INTO {table} (item_id, kind, period_start, recipients, created_at) "
                f"SELECT item_id, kind, CAST(period_start AS date), "
                f"{_json_cast('recipients')}, CAST(created_at AS timestamp with time zone) "
                f"FROM claim WHERE 1 = 1 ORDER BY idx "
                f"ON CONFLICT (item_id, kind, period_start) DO NOTHING "
                f"RETURNING id, item_id, kind",
                params,
            )
            by_key = {
                (item_id, kind): i for i, (item_id, kind, *_r) in enumerate(chunk, start=start)
            }
            won += [(rid, by_key[(item_id, kind)]) for rid, item_id, kind in cursor.fetchall()]
    return won


def _json_cast(column: str) -> str:
    return f"CAST({column} AS jsonb)" if connection.vendor == "postgresql" else column


def _pending_by_person() -> dict[int, list[int]]:
    pending: dict[int, list[int]] = defaultdict(list)
    for user_id, delivery_id in ReminderDelivery.objects.filter(sent_at__isnull=True).values_list(
        "user_id", "id"
    ):
        pending[user_id].append(delivery_id)
    return pending


def sweep(*, on: dt.date | None = None, dry_run: bool = False) -> tuple[SweepResult, list[int]]:
    """Claim what is due and return the people with pending digests. A fixed number of
    queries whatever the number of items: due items, people, claims in chunks of 5,000."""
    on = on or today()
    rows = _due(on)
    officers, leads, chiefs = _people()
    recipients = [_recipients(r, officers, leads, chiefs) for r in rows]
    result = SweepResult()
    if dry_run:
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row, people in zip(rows, recipients, strict=True):
            for user_id in people:
                counts[user_id][row[1] == Reminder.Kind.ESCALATION] += 1
        names = dict(get_user_model().objects.filter(pk__in=counts).values_list("pk", "username"))
        result.per_person = {names[u]: (c[0], c[1]) for u, c in counts.items()}
        return result, []
    with transaction.atomic():
        won = _claim(rows, recipients) if rows else []
        ReminderDelivery.objects.bulk_create(
            [
                ReminderDelivery(reminder_id=rid, user_id=user_id)
                for rid, index in won
                for user_id in recipients[index]
            ],
            batch_size=CLAIM_CHUNK,
        )
    result.claimed = len(won)
    return result, sorted(_pending_by_person())


def send_digest(user_id: int) -> tuple[int, int]:
    """Send one person their pending reminders and escalations in one email; return
    (reminders, escalations) sent. Idempotent: nothing pending, nothing sent."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0, 0
    with transaction.atomic():
        pending = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(user=user, sent_at__isnull=True)
            .select_related("reminder__item__force", "reminder__item__finding__report")
            .order_by("reminder__item__last_entry_on", "reminder__item_id")
        )
        if not pending:
            return 0, 0
        on = today()
        lines = {Reminder.Kind.REMINDER: [], Reminder.Kind.ESCALATION: []}
        escalated = {
            d.reminder.item_id for d in pending if d.reminder.kind == Reminder.Kind.ESCALATION
        }
        seen = set()
        for delivery in pending:
            reminder = delivery.reminder
            item = reminder.item
            if (reminder.kind, item.pk) in seen or (
                reminder.kind == Reminder.Kind.REMINDER and item.pk in escalated
            ):
                continue  # an escalated item is listed once, as escalated
            seen.add((reminder.kind, item.pk))
            lines[reminder.kind].append(
                {
                    "reference": item.finding.reference,
                    "force": item.force.name,
                    "report": item.finding.report.title,
                    "days": (on - item.last_entry_on).days,
                    "url": item_url(item.pk),
                }
            )
        context = {
            "user": user,
            "reminders": lines[Reminder.Kind.REMINDER],
            "escalations": lines[Reminder.Kind.ESCALATION],
            "stale_days": settings.STALE_AFTER_DAYS,
        }
        n, m = len(context["reminders"]), len(context["escalations"])
        subject = f"{n + m} stale recommendation{'s' if n + m != 1 else ''} need an update"
        if m:
            subject += f" ({m} escalated)"
        message = EmailMultiAlternatives(
            subject, render_to_string("emails/stale_digest.txt", context), None, [user.email]
        )
        message.attach_alternative(
            render_to_string("emails/stale_digest.html", context), "text/html"
        )
        message.send()
        now = timezone.now()
        ReminderDelivery.objects.filter(pk__in=[d.pk for d in pending]).update(sent_at=now)
        Reminder.objects.filter(
            pk__in={d.reminder_id for d in pending}, sent_at__isnull=True
        ).update(sent_at=now)
    logger.info("stale digest sent user=%s reminders=%s escalations=%s", user_id, n, m)
    return n, m
