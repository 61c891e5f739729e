"""Issue 26: the reminder digest also carries the effectiveness re-checks due and the
large target-date moves of the recipient's items, each claimed once as stale items are
(one Reminder row per item, kind and period, written INSERT ... ON CONFLICT DO NOTHING):
a second sweep, or two at once, sends nothing more."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from recommendations import reminders, services
from recommendations.models import Reminder, ReminderDelivery, TargetDateMove, TrackedItem
from recommendations.selectors import large_move_q
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item
from tests.recommendations.test_reminders import run_together

START = dt.date(2025, 1, 10)


def at(day: dt.date, hour: int = 9):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, 0)), tick=False)


@pytest.fixture
def team(make_user):
    return {
        "officer": make_user("liaison-officer", "officer.glos"),
        "lead": make_user("liaison-lead", "lead.sw", force_slugs=["gloucestershire"]),
        "chief": make_user("chief-of-staff", "chief.sw"),
        "other_chief": make_user("chief-of-staff", "chief.wm", region_slug="west-midlands-region"),
    }


def closed_with_recheck(team, on: dt.date, number: int = 1) -> TrackedItem:
    """Closed on START, the authorising chief of staff asking for a re-check on `on`."""
    with at(START):
        item = make_item(finding=FindingFactory.create(number=number), lead=team["lead"], on=START)
        progressed(item, team["lead"])
        services.closure_propose(item=item, by=team["lead"], reason="Met", verified_by="documents")
        services.closure_authorise(item=item, by=team["chief"])
    TrackedItem.objects.filter(pk=item.pk).update(recheck_on=on)
    return TrackedItem.objects.get(pk=item.pk)


def move(item, old, new, *, when, was_overdue=False, reason="The force restructured"):
    return TargetDateMove.objects.create(
        item=item,
        old_date=old,
        new_date=new,
        reason=reason,
        moved_by_name="Supt Lee",
        was_overdue=was_overdue,
        moved_at=timezone.make_aware(dt.datetime.combine(when, dt.time(14, 0))),
    )


def run() -> str:
    out = io.StringIO()
    call_command("send_stale_reminders", stdout=out)
    return out.getvalue()


def digests():
    return {m.to[0].split("@")[0]: m for m in mail.outbox}


@pytest.mark.django_db
def test_a_due_re_check_is_in_the_leads_digest_once(team):
    due_on = START + dt.timedelta(days=40)
    item = closed_with_recheck(team, due_on)
    with at(due_on - dt.timedelta(days=1)):
        run()
        assert mail.outbox == []  # not yet due
    with at(due_on):
        run()
    sent = digests()
    assert set(sent) == {"lead.sw"}  # the lead records it; not the force, not the chief
    message = sent["lead.sw"]
    assert message.subject == "1 re-check due"
    assert "EFFECTIVENESS RE-CHECKS DUE (1)" in message.body
    assert f"/recommendations/{item.pk}/" in message.body
    assert f"re-check due {due_on.day} {due_on:%B %Y}" in message.body
    html, _ = message.alternatives[0]
    assert "Effectiveness re-checks due" in html and f"/recommendations/{item.pk}/" in html
    assert list(Reminder.objects.values_list("item_id", "kind", "period_start")) == [
        (item.pk, reminders.RECHECK, due_on)
    ]
    mail.outbox.clear()
    with at(due_on + dt.timedelta(days=5)):  # still due, already claimed: nothing more
        run()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_recorded_re_check_is_not_reminded(team):
    due_on = START + dt.timedelta(days=40)
    item = closed_with_recheck(team, due_on)
    with at(due_on):
        services.recheck_confirm(item=item, by=team["lead"], note="Reality tested")
        run()
    assert mail.outbox == [] and not Reminder.objects.exists()


@pytest.mark.django_db
def test_large_moves_of_a_day_go_to_the_lead_and_the_regions_chiefs_the_day_after(team):
    report = ReportFactory()
    item = make_item(finding=FindingFactory(report=report, number=1), lead=team["lead"])
    small = make_item(finding=FindingFactory(report=report, number=2), lead=team["lead"])
    day = START + dt.timedelta(days=3)
    target = START + dt.timedelta(days=60)
    move(item, target, target + dt.timedelta(days=200), when=day)  # later by 200 days
    move(item, target + dt.timedelta(days=200), target + dt.timedelta(days=201), when=day)
    move(small, target, target + dt.timedelta(days=10), when=day)  # small: not reported
    with at(day, hour=20):
        run()
        assert mail.outbox == []  # the day is not over: more moves may come
    with at(day + dt.timedelta(days=1)):
        run()
    sent = digests()
    assert set(sent) == {"lead.sw", "chief.sw"}  # not the other region's chief
    body = sent["chief.sw"].body
    assert sent["chief.sw"].subject == "1 large target-date move"
    assert "LARGE TARGET-DATE MOVES (1)" in body
    assert "(200 days)" in body and "Reason: The force restructured" in body
    assert f"/recommendations/{item.pk}/" in body and f"/recommendations/{small.pk}/" not in body
    assert Reminder.objects.filter(kind=reminders.TARGET_MOVE).count() == 1
    mail.outbox.clear()
    with at(day + dt.timedelta(days=2)):
        run()
    assert mail.outbox == []


@pytest.mark.django_db
def test_moves_of_an_overdue_item_and_a_date_taken_away_are_large(team):
    item = make_item(lead=team["lead"])
    day = START + dt.timedelta(days=3)
    overdue = move(item, START, START + dt.timedelta(days=5), when=day, was_overdue=True)
    taken_away = move(item, START + dt.timedelta(days=5), None, when=day)
    earlier = move(item, START + dt.timedelta(days=400), START, when=day)
    first_set = move(item, None, START + dt.timedelta(days=400), when=day)
    large = set(TargetDateMove.objects.filter(large_move_q()).values_list("pk", flat=True))
    assert large == {overdue.pk, taken_away.pk}
    assert earlier.pk not in large and first_set.pk not in large


@pytest.mark.django_db
def test_the_digest_lists_stale_items_re_checks_and_moves_together(team):
    due_on = START + dt.timedelta(days=120)
    closed = closed_with_recheck(team, due_on)
    with at(START):
        stale = progressed(
            make_item(finding=FindingFactory(number=2), lead=team["lead"]), team["lead"]
        )
    move(stale, START, START + dt.timedelta(days=100), when=due_on - dt.timedelta(days=1))
    with at(due_on):
        out = run()
    assert "lead.sw: 1 items, 0 escalations" in out  # the stale items' count, as before
    message = digests()["lead.sw"]
    assert message.subject == (
        "1 stale recommendation need an update; 1 re-check due; 1 large target-date move"
    )
    assert f"/recommendations/{closed.pk}/" in message.body
    assert message.body.count(f"/recommendations/{stale.pk}/") == 2  # stale, and moved


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_re_check_and_move_once(team):
    due_on = START + dt.timedelta(days=40)
    closed = closed_with_recheck(team, due_on)
    moved = make_item(finding=FindingFactory(number=2), lead=team["lead"])
    move(moved, START, START + dt.timedelta(days=300), when=due_on - dt.timedelta(days=1))
    with at(due_on):
        run_together(2, lambda: call_command("send_stale_reminders", stdout=io.StringIO()))
    lead = [m for m in mail.outbox if m.to == ["lead.sw@example.org"]]
    chief = [m for m in mail.outbox if m.to == ["chief.sw@example.org"]]
    assert len(lead) == 1 and len(chief) == 1
    assert lead[0].subject == "1 re-check due; 1 large target-date move"
    assert f"/recommendations/{closed.pk}/" in lead[0].body
    assert f"/recommendations/{moved.pk}/" in chief[0].body
    assert Reminder.objects.count() == 2
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_large_move_rule_is_the_same_in_python_and_in_the_database(team):
    """services.items.move_alerts (the e-mail at once) and selectors.large_move_q (the
    chief's home page, the digest) spell one rule twice: they agree on every kind of
    move, including the boundary of TARGET_DATE_ALERT_DAYS."""
    from django.conf import settings

    from recommendations.services.items import move_alerts

    item = make_item(lead=team["lead"])
    limit = settings.TARGET_DATE_ALERT_DAYS
    cases = [
        (START, START + dt.timedelta(days=limit), False),  # exactly the limit: not large
        (START, START + dt.timedelta(days=limit + 1), False),
        (START, START + dt.timedelta(days=5), True),  # the item was overdue
        (START, START - dt.timedelta(days=limit + 50), False),  # earlier: not reported
        (START, None, False),  # taken away
        (None, START, False),  # a first date: not a move
    ]
    moves = [move(item, old, new, when=START, was_overdue=late) for old, new, late in cases]
    large = set(TargetDateMove.objects.filter(large_move_q()).values_list("pk", flat=True))
    for m, (old, new, late) in zip(moves, cases, strict=True):
        assert (m.pk in large) == move_alerts(old, new, was_overdue=late), (old, new, late)
