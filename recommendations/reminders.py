"""Stale-item reminders and escalation.

An item is stale when it is being progressed with no timeline entry for
STALE_AFTER_DAYS (`selectors.stale_q`, the same definition as the list's filter). It is
reminded once per stale period (the period starts at its last entry's date) and
escalated once when it stays stale for ESCALATE_AFTER_DAYS more; an item first found
already past that point is escalated only. Each person gets one digest listing all
their items.

`plan_sweep` works out what the next sweep claims and what each digest then lists,
writing nothing: the dry run prints that plan, and `sweep` claims exactly it.

Safe to run twice, or twice at once: a sweep claims each (item, kind, period) with
INSERT ... ON CONFLICT DO NOTHING RETURNING, so only one sweep ever claims it, and it
writes one pending delivery per recipient in the same transaction. Digests send only
pending deliveries, under SKIP LOCKED, and mark them sent in the transaction that sent
them. A broker that is down loses nothing: the deliveries wait in the database and the
next sweep sends them.

The same sweep, by the same claim, also claims each closed item's effectiveness re-check
once it is due (once per re-check date: `selectors.recheck_due_q`), for the item's
liaison lead (or its force's leads), and each day's large target-date moves of an item
(`selectors.large_move_q`; claimed the day after, once the day's moves are all in), for
the item's liaison lead (or its force's leads) and the region's chiefs of staff: the
same digest lists them after the stale items. They are Reminder rows of their own kinds
(RECHECK, TARGET_MOVE), so they are claimed once exactly as reminders are.

The same sweep claims what the feature apps' digest sections claim (the overdue police
and crime commissioners' responses, `responses.reminders`, by the same rule), and the
same digest lists them: the sections are registered in recommendations.hooks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from forces.models import Scope
from forces.roles import CHIEF_PERMISSION, LEAD_PERMISSION, OFFICER_PERMISSION
from forces.selectors import display_name
from tracker.languages import language_of

from . import hooks
from .models import Reminder, ReminderDelivery, TargetDateMove, TrackedItem
from .notifications import item_url
from .selectors import large_move_q, recheck_due_q, stale_cutoff, stale_q, today

logger = logging.getLogger(__name__)
CLAIM_CHUNK = 5000
# The kinds of Reminder besides the stale items': a re-check due (its period is the
# re-check date) and a day's large target-date moves of an item (its period is the day).
RECHECK = Reminder.Kind.RECHECK
TARGET_MOVE = Reminder.Kind.TARGET_DATE_MOVE
STALE_KINDS = (Reminder.Kind.REMINDER, Reminder.Kind.ESCALATION)


@dataclass(frozen=True)
class PlannedItem:
    """One item the next sweep claims: what it sends, for which stale period, to whom."""

    item_id: int
    kind: str  # Reminder.Kind: an item due for escalation is escalated, not also reminded
    period_start: dt.date
    recipients: tuple[int, ...]  # user ids, sorted


@dataclass
class SweepPlan:
    """What the next sweep on `on` claims and what the digests it triggers contain.

    `per_person` counts what each person's digest lists (username: (reminders,
    escalations)): deliveries claimed by earlier sweeps and still waiting, plus this
    plan's items, with the digest's own rule (an escalated item is listed once, as
    escalated). The dry run prints it; the real sweep claims `items` and sends it.
    """

    on: dt.date
    items: list[PlannedItem] = field(default_factory=list)
    waiting: int = 0  # deliveries claimed earlier and not yet sent
    per_person: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Who is reminded, by force (user ids): read once for the plan, used by the sweep.
    officers: dict[int, set[int]] = field(default_factory=dict)
    leads: dict[int, set[int]] = field(default_factory=dict)
    # Re-checks due and days of large target-date moves, claimed with `items` and
    # listed in the same digests after them (not in `per_person`, which counts the
    # stale items).
    follow_ups: list[PlannedItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(n + m for n, m in self.per_person.values())


@dataclass
class SweepResult:
    claimed: int = 0
    plan: SweepPlan | None = None


def escalate_cutoff(on: dt.date) -> dt.date:
    return stale_cutoff(on) - dt.timedelta(days=settings.ESCALATE_AFTER_DAYS)


def _due(on: dt.date) -> list[tuple[int, str, dt.date, int, int | None, int]]:
    """(item id, kind, period start, force id, lead id, region id) of every stale item
    with something unclaimed for its period, in one query. An item past the escalation
    cutoff is due for escalation (and only that, reminded or not); one that is merely
    stale is due for a reminder unless its period was already reminded or escalated."""
    escalate_before = escalate_cutoff(on)

    def claimed(kind: str) -> Exists:
        return Exists(
            Reminder.objects.filter(
                item=OuterRef("pk"), kind=kind, period_start=OuterRef("last_entry_on")
            )
        )

    qs = (
        TrackedItem.objects.filter(stale_q(on))
        .annotate(
            reminded=claimed(Reminder.Kind.REMINDER), escalated=claimed(Reminder.Kind.ESCALATION)
        )
        .filter(escalated=False)
        .filter(Q(reminded=False) | Q(last_entry_on__lt=escalate_before))
        .order_by("last_entry_on", "pk")
        .values_list("pk", "last_entry_on", "force_id", "liaison_lead_id", "force__region_id")
    )
    return [
        (
            pk,
            Reminder.Kind.ESCALATION if start < escalate_before else Reminder.Kind.REMINDER,
            start,
            force,
            lead,
            region,
        )
        for pk, start, force, lead, region in qs
    ]


def _claimed(kind: str, item: str, period: str) -> Exists:
    return Exists(
        Reminder.objects.filter(item_id=OuterRef(item), kind=kind, period_start=OuterRef(period))
    )


def _follow_ups(
    on: dt.date, leads: dict[int, set[int]], chiefs: dict[int, set[int]]
) -> list[PlannedItem]:
    """The re-checks due and the days of large target-date moves not yet claimed, with
    their recipients, in two queries: a re-check goes to the item's liaison lead (or its
    force's leads); a large move also to the region's chiefs of staff. A day's moves are
    claimed once the day is over (`on` is after it), so none of them is left out."""

    def lead_or_leads(force_id: int, lead_id: int | None) -> set[int]:
        return {lead_id} if lead_id else set(leads.get(force_id, ()))

    rechecks = (
        TrackedItem.objects.filter(recheck_due_q(on))
        .filter(~_claimed(RECHECK, "pk", "recheck_on"))
        .order_by("recheck_on", "pk")
        .values_list("pk", "recheck_on", "force_id", "liaison_lead_id")
    )
    planned = [
        PlannedItem(pk, RECHECK, due, tuple(sorted(lead_or_leads(force_id, lead_id))))
        for pk, due, force_id, lead_id in rechecks
        if due is not None  # recheck_due_q: always set
    ]
    days = (
        TargetDateMove.objects.filter(large_move_q())
        .annotate(day=TruncDate("moved_at"))
        .filter(day__lt=on)
        .filter(~_claimed(TARGET_MOVE, "item_id", "day"))
        .values_list(
            "item_id", "day", "item__force_id", "item__liaison_lead_id", "item__force__region_id"
        )
        .order_by("day", "item_id")
        .distinct()
    )
    for item_id, day, force_id, lead_id, region_id in days:
        people = lead_or_leads(force_id, lead_id) | chiefs.get(region_id, set())
        planned.append(PlannedItem(item_id, TARGET_MOVE, day, tuple(sorted(people))))
    return planned


def _people() -> tuple[dict[int, set[int]], dict[int, set[int]], dict[int, set[int]]]:
    """Active people with an email, by force (officers, leads) and by region (chiefs),
    found by the permission that marks each role (forces.roles), never by group name."""
    officers: dict[int, set[int]] = defaultdict(set)
    leads: dict[int, set[int]] = defaultdict(set)
    chiefs: dict[int, set[int]] = defaultdict(set)
    by_force = {OFFICER_PERMISSION: officers, LEAD_PERMISSION: leads}
    through = (
        Scope.forces.through.objects.filter(
            Q(scope__user__is_active=True) & ~Q(scope__user__email=""),
            scope__user__groups__permissions__codename__in=list(by_force),
            scope__user__groups__permissions__content_type__app_label="recommendations",
        )
        .values_list("force_id", "scope__user_id", "scope__user__groups__permissions__codename")
        .distinct()
    )
    for force_id, user_id, codename in through:
        by_force[codename][force_id].add(user_id)
    for region_id, user_id in (
        Scope.objects.filter(
            Q(user__is_active=True) & ~Q(user__email=""),
            user__groups__permissions__codename=CHIEF_PERMISSION,
            user__groups__permissions__content_type__app_label="recommendations",
            region__isnull=False,
        )
        .values_list("region_id", "user_id")
        .distinct()
    ):
        chiefs[region_id].add(user_id)
    return officers, leads, chiefs


def _recipients(
    row: tuple[int, str, object, int, int | None, int],
    officers: dict[int, set[int]],
    leads: dict[int, set[int]],
    chiefs: dict[int, set[int]],
) -> set[int]:
    _, kind, _, force_id, lead_id, region_id = row
    people = set(officers.get(force_id, ()))
    people |= {lead_id} if lead_id else set(leads.get(force_id, ()))
    if kind == Reminder.Kind.ESCALATION:
        people |= chiefs.get(region_id, set())
    return people


def _listed(entries: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The (kind, item id) pairs one digest lists, in order, from its deliveries: each
    item once, and an escalated item only as escalated. The plan counts with this rule
    and `send_digest` writes with it, so the dry run says what the digests send."""
    escalated = {item for kind, item in entries if kind == Reminder.Kind.ESCALATION}
    listed: list[tuple[str, int]] = []
    seen: set[tuple[str, int]] = set()
    for kind, item in entries:
        if (kind, item) in seen or (kind == Reminder.Kind.REMINDER and item in escalated):
            continue
        seen.add((kind, item))
        listed.append((kind, item))
    return listed


def _counts(entries: list[tuple[str, int]]) -> tuple[int, int]:
    listed = _listed(entries)
    escalations = sum(kind == Reminder.Kind.ESCALATION for kind, _ in listed)
    return len(listed) - escalations, escalations


def plan_sweep(on: dt.date | None = None) -> SweepPlan:
    """Everything the next sweep on `on` would claim and send, writing nothing. The dry
    run prints this plan; `sweep` claims it. A fixed number of queries whatever the
    number of items: due items, people (two), waiting deliveries, names."""
    on = on or today()
    rows = _due(on)
    officers, leads, chiefs = _people()
    plan = SweepPlan(on=on, officers=officers, leads=leads)
    plan.follow_ups = _follow_ups(on, leads, chiefs)
    plan.items = [
        PlannedItem(
            row[0], row[1], row[2], tuple(sorted(_recipients(row, officers, leads, chiefs)))
        )
        for row in rows
    ]
    entries: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for user_id, kind, item_id in ReminderDelivery.objects.filter(
        sent_at__isnull=True, reminder__kind__in=STALE_KINDS
    ).values_list("user_id", "reminder__kind", "reminder__item_id"):
        entries[user_id].append((kind, item_id))
        plan.waiting += 1
    for planned in plan.items:
        for user_id in planned.recipients:
            entries[user_id].append((planned.kind, planned.item_id))
    names = dict(  # send_digest sends nothing to someone no longer active
        get_user_model()
        .objects.filter(pk__in=list(entries), is_active=True)
        .values_list("pk", "username")
    )
    plan.per_person = {
        names[user_id]: _counts(found) for user_id, found in entries.items() if user_id in names
    }
    return plan


def _claim(items: list[PlannedItem]) -> list[tuple[int, int]]:
    """Insert the reminders; return (reminder id, item index) of those this sweep won."""
    now = timezone.now()
    won = []
    table = Reminder._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(items), CLAIM_CHUNK):
            chunk = items[start : start + CLAIM_CHUNK]
            values: list[str] = []
            params: list[str | int | dt.date | dt.datetime | None] = []
            for index, planned in enumerate(chunk, start=start):
                values.append("(%s, %s, %s, %s, %s, %s)")
                params += [
                    planned.item_id,
                    planned.kind,
                    planned.period_start,
                    json.dumps(list(planned.recipients)),
                    now,
                    index,
                ]
            cursor.execute(
                f"WITH claim (item_id, kind, period_start, recipients, created_at, idx) AS "  # noqa: S608  # nosec B608  # table from _meta, values as %s
                f"(VALUES {', '.join(values)}) "
                f"INSERT INTO {table} (item_id, kind, period_start, recipients, created_at) "
                f"SELECT item_id, kind, CAST(period_start AS date), "
                f"{_json_cast('recipients')}, CAST(created_at AS timestamp with time zone) "
                f"FROM claim WHERE 1 = 1 ORDER BY idx "
                f"ON CONFLICT (item_id, kind, period_start) DO NOTHING "
                f"RETURNING id, item_id, kind, period_start",
                params,
            )
            # One item may have several periods of a kind (days of target-date moves).
            by_key = {
                (planned.item_id, planned.kind, str(planned.period_start)): i
                for i, planned in enumerate(chunk, start=start)
            }
            won += [
                (rid, by_key[(item_id, kind, str(period))])
                for rid, item_id, kind, period in cursor.fetchall()
            ]
    return won


def _json_cast(column: str) -> str:
    return f"CAST({column} AS jsonb)" if connection.vendor == "postgresql" else column


def _pending_by_person() -> dict[int, list[int]]:
    pending: dict[int, list[int]] = defaultdict(list)
    for user_id, delivery_id in ReminderDelivery.objects.filter(sent_at__isnull=True).values_list(
        "user_id", "id"
    ):
        pending[user_id].append(delivery_id)
    for section in hooks.digest_sections():  # overdue PCC responses
        for user_id in section.pending_people():
            pending.setdefault(user_id, [])
    return pending


def sweep(*, on: dt.date | None = None) -> tuple[SweepResult, list[int]]:
    """Claim the plan (`plan_sweep`, the same one the dry run prints) and return the
    people with pending digests. A fixed number of queries whatever the number of items:
    the plan's, claims in chunks of 5,000, deliveries, pending people."""
    plan = plan_sweep(on)
    with transaction.atomic():
        # The sections' lines (overdue PCC responses), claimed once, for the people the
        # plan read.
        for section in hooks.digest_sections():
            section.claim(plan.on, plan.officers, plan.leads)
        claims = plan.items + plan.follow_ups
        won = _claim(claims) if claims else []
        ReminderDelivery.objects.bulk_create(
            [
                ReminderDelivery(reminder_id=rid, user_id=user_id)
                for rid, index in won
                for user_id in claims[index].recipients
            ],
            batch_size=CLAIM_CHUNK,
        )
    return SweepResult(claimed=len(won), plan=plan), sorted(_pending_by_person())


def send_digest(user_id: int) -> tuple[int, int]:
    """Send one person their pending reminders and escalations in one email; return
    (reminders, escalations) sent. Idempotent: nothing pending, nothing sent."""
    with transaction.atomic():
        # One sender per person at a time: two sweeps sending at once would otherwise
        # each lock part of the person's pending lines (items, PCC responses) and send
        # two emails. The second finds nothing pending once the first has committed.
        user = (
            get_user_model().objects.select_for_update().filter(pk=user_id, is_active=True).first()
        )
        if user is None:
            return 0, 0
        pending = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(user=user, sent_at__isnull=True)
            .select_related("reminder__item__force", "reminder__item__finding__report")
            .order_by("reminder__item__last_entry_on", "reminder__item_id")
        )
        sections = [(section, section.lock_pending(user.pk)) for section in hooks.digest_sections()]
        if not pending and not any(locked for _, locked in sections):
            return 0, 0
        # The digest in the person's language (issue 30): the lines, subject and both
        # templates are made inside it.
        with translation.override(language_of(user)):
            n, m, r, k = _send_digest(user, pending, sections)
        now = timezone.now()
        for section, locked in sections:
            section.mark_sent(locked)
        ReminderDelivery.objects.filter(pk__in=[d.pk for d in pending]).update(sent_at=now)
        Reminder.objects.filter(
            pk__in={d.reminder_id for d in pending}, sent_at__isnull=True
        ).update(sent_at=now)
    logger.info(
        "stale digest sent user=%s reminders=%s escalations=%s rechecks=%s moves=%s",
        user_id,
        n,
        m,
        r,
        k,
    )
    return n, m


def shown_reference(finding: Any) -> str:
    """A finding's reference in the active language ("Argymhelliad 5")."""
    heading = gettext(finding.get_kind_display())
    return f"{heading} {finding.number}" if finding.number else heading


def _send_digest(
    user: Any, pending: list[ReminderDelivery], sections: list[tuple[Any, Any]]
) -> tuple[int, int, int, int]:
    """Make and send one person's digest in the active language: (reminders,
    escalations, re-checks, large moves) listed."""
    on = today()
    lines: dict[str, list[dict[str, object]]] = {
        Reminder.Kind.REMINDER: [],
        Reminder.Kind.ESCALATION: [],
    }
    stale = [d for d in pending if d.reminder.kind in STALE_KINDS]
    items = {d.reminder.item_id: d.reminder.item for d in stale}
    listed = _listed([(d.reminder.kind, d.reminder.item_id) for d in stale])
    for kind, item_id in listed:  # an escalated item is listed once, as escalated
        item = items[item_id]
        lines[kind].append(
            {
                "reference": shown_reference(item.finding),
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
        **_follow_up_lines(pending, on),
    }
    for section, locked in sections:
        context[section.name] = section.lines(locked, on)
    n, m = len(context["reminders"]), len(context["escalations"])
    subject = ngettext(
        "%(num)s stale recommendation need an update",
        "%(num)s stale recommendations need an update",
        n + m,
    ) % {"num": n + m}
    if m:
        subject += " " + gettext("(%(num)s escalated)") % {"num": m}
    r, k = len(context["rechecks"]), len(context["moves"])
    parts = [
        *([ngettext("%(num)s re-check due", "%(num)s re-checks due", r) % {"num": r}] if r else []),
        *(
            [
                ngettext("%(num)s large target-date move", "%(num)s large target-date moves", k)
                % {"num": k}
            ]
            if k
            else []
        ),
        *(section.subject(len(locked)) for section, locked in sections if locked),
    ]
    for index, part in enumerate(parts):
        if n + m or index:
            subject = f"{subject}; {part}"
        else:
            subject = part[0].upper() + part[1:]
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/stale_digest.txt", context), None, [user.email]
    )
    message.attach_alternative(render_to_string("emails/stale_digest.html", context), "text/html")
    message.send()
    return n, m, r, k


def _line(item: TrackedItem) -> dict[str, object]:
    return {
        "reference": shown_reference(item.finding),
        "force": item.force.name,
        "report": item.finding.report.title,
        "url": item_url(item.pk),
    }


def _follow_up_lines(
    pending: list[ReminderDelivery], on: dt.date
) -> dict[str, list[dict[str, object]]]:
    """What a digest says of its re-checks due (`rechecks`) and large target-date moves
    (`moves`: each move of the claimed days, oldest first), in one query for the moves."""
    from tracker.humanise import long_date

    rechecks = [
        {**_line(d.reminder.item), "due": long_date(d.reminder.period_start)}
        for d in pending
        if d.reminder.kind == RECHECK
    ]
    days = {
        (d.reminder.item_id, d.reminder.period_start): d.reminder.item
        for d in pending
        if d.reminder.kind == TARGET_MOVE
    }
    moves: list[dict[str, object]] = []
    if days:
        found = (
            TargetDateMove.objects.filter(large_move_q(), item_id__in={i for i, _ in days})
            .select_related("moved_by")
            .order_by("moved_at", "id")
        )
        for move in found:
            item = days.get((move.item_id, timezone.localdate(move.moved_at)))
            if item is None:  # another day's move of the item
                continue
            moves.append(
                {
                    **_line(item),
                    "old": long_date(move.old_date) or gettext("not set"),
                    "new": long_date(move.new_date) or gettext("not set"),
                    "days": move.days,
                    "was_overdue": move.was_overdue,
                    "reason": move.reason,
                    "by": display_name(move.moved_by) if move.moved_by else move.moved_by_name,
                }
            )
    return {"rechecks": rechecks, "moves": moves}
