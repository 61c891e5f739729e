"""The dry run prints the plan the real sweep claims, so it says exactly what the next
real run sends; and the daily clean-up of expired pending imports."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from recommendations import reminders, services, tasks
from recommendations.models import (
    PendingImport,
    Reminder,
    ReminderDelivery,
    Status,
    TrackedItem,
)
from tests.factories import make_item

START = dt.date(2025, 1, 10)
DRY = "Dry run, nothing sent: "


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("send_stale_reminders", *args, stdout=out)
    return out.getvalue().splitlines()


def dry_run() -> list[str]:
    lines = run("--dry-run")
    assert lines[-1].startswith(DRY)
    return [*lines[:-1], lines[-1].removeprefix(DRY)]


@pytest.fixture
def team(make_user):
    return {
        "officer": make_user("liaison-officer", "officer.glos"),
        "lead": make_user("liaison-lead", "lead.sw", force_slugs=["gloucestershire"]),
        "chief": make_user("chief-of-staff", "chief.sw"),
    }


def progressing_item(team, on=START):
    with at(on):
        item = make_item(force="gloucestershire", lead=team["lead"], on=on)
        services.status_change(item=item, by=team["lead"], to=Status.BEING_PROGRESSED)
    return TrackedItem.objects.get(pk=item.pk)


@pytest.mark.django_db
def test_on_demo_data_the_dry_run_prints_what_the_real_run_then_sends():
    call_command("load_demo", stdout=io.StringIO())
    predicted = dry_run()
    assert not ReminderDelivery.objects.exists() and mail.outbox == []
    sent = run()
    assert sent == predicted
    people = {line.split(":")[0]: line for line in sent[:-1]}
    assert len(people) >= 2 and any(" 0 escalations" not in line for line in people.values())
    # Each line is what that person's email says.
    subjects = {m.to[0].split("@")[0]: m.subject for m in mail.outbox}
    assert set(subjects) == set(people)
    for name, line in people.items():
        items, escalations = (int(w) for w in line.split() if w.isdigit())
        assert subjects[name].startswith(f"{items + escalations} stale recommendation")
    assert dry_run() == ["0 digests, 0 reminders in all."]
    assert run() == ["0 digests, 0 reminders in all."]


@pytest.mark.django_db
def test_an_item_due_for_escalation_is_escalated_not_also_reminded(team):
    item = progressing_item(team)
    with at(START + dt.timedelta(days=125)):
        predicted = dry_run()
        assert predicted == [
            "chief.sw: 0 items, 1 escalations",
            "lead.sw: 0 items, 1 escalations",
            "officer.glos: 0 items, 1 escalations",
            "3 digests, 3 reminders in all.",
        ]
        assert run() == predicted
    assert list(Reminder.objects.values_list("item_id", "kind", "period_start")) == [
        (item.pk, "escalation", START)
    ]
    with at(START + dt.timedelta(days=126)):  # and is not reminded the next day either
        assert dry_run() == run() == ["0 digests, 0 reminders in all."]


@pytest.mark.django_db
def test_the_dry_run_counts_deliveries_an_earlier_sweep_left_waiting(team):
    progressing_item(team)
    progressing_item(team)
    with at(START + dt.timedelta(days=91)):
        reminders.sweep()  # claimed, but the broker was down: nothing sent
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 4
    with at(START + dt.timedelta(days=92)):
        predicted = dry_run()
        assert predicted == [
            "lead.sw: 2 items, 0 escalations",
            "officer.glos: 2 items, 0 escalations",
            "2 digests, 4 reminders in all.",
        ]
        assert run() == predicted


@pytest.mark.django_db
def test_waiting_reminders_of_an_item_escalated_since_are_listed_once(team):
    progressing_item(team)
    with at(START + dt.timedelta(days=91)):
        reminders.sweep()  # the reminder waits
    team["officer"].is_active = False  # and someone left meanwhile
    team["officer"].save()
    with at(START + dt.timedelta(days=125)):
        predicted = dry_run()
        assert predicted == [
            "chief.sw: 0 items, 1 escalations",
            "lead.sw: 0 items, 1 escalations",
            "2 digests, 2 reminders in all.",
        ]
        assert run() == predicted


@pytest.mark.django_db
def test_the_plan_lists_each_item_kind_period_and_recipients_and_the_sweep_claims_it(team):
    reminded = progressing_item(team, on=START + dt.timedelta(days=20))
    escalated = progressing_item(team)
    on = START + dt.timedelta(days=125)
    with at(on):
        plan = reminders.plan_sweep()
        assert plan.on == on
        everyone = tuple(sorted(u.pk for u in team.values()))
        no_chief = tuple(sorted([team["officer"].pk, team["lead"].pk]))
        assert sorted(plan.items, key=lambda p: p.item_id) == sorted(
            [
                reminders.PlannedItem(escalated.pk, "escalation", START, everyone),
                reminders.PlannedItem(
                    reminded.pk, "reminder", START + dt.timedelta(days=20), no_chief
                ),
            ],
            key=lambda p: p.item_id,
        )
        assert plan.per_person == {
            "officer.glos": (1, 1),
            "lead.sw": (1, 1),
            "chief.sw": (0, 1),
        }
        assert plan.total == 5
        assert not Reminder.objects.exists()  # planning writes nothing
        result, people = reminders.sweep()
    assert result.claimed == 2
    assert sorted(Reminder.objects.values_list("item_id", "kind", "period_start")) == sorted(
        (p.item_id, p.kind, p.period_start) for p in plan.items
    )
    assert sorted(ReminderDelivery.objects.values_list("reminder__item_id", "user_id")) == sorted(
        (p.item_id, u) for p in plan.items for u in p.recipients
    )
    assert people == sorted(everyone)


# --- Expired pending imports ----------------------------------------------------------


@pytest.mark.django_db
def test_clean_pending_imports_deletes_expired_rows_and_keeps_fresh_ones(make_user):
    owner = make_user("admin")
    now = timezone.now()

    def pending(expires_at):
        return PendingImport.objects.create(
            owner=owner, files=[], report_slug="r", fingerprint="f", expires_at=expires_at
        )

    expired = pending(now - dt.timedelta(minutes=1))
    fresh = pending(now + dt.timedelta(hours=23))
    assert tasks.clean_pending_imports() == 1
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not PendingImport.objects.filter(pk=expired.pk).exists()
    assert tasks.clean_pending_imports() == 0


def test_the_clean_up_is_on_the_beat_schedule_beside_the_sweep():
    from tracker.celery import app

    app.loader.import_default_modules()
    app.finalize()
    schedule = app.conf.beat_schedule
    assert (
        schedule["clean-pending-imports"]["task"] == "recommendations.tasks.clean_pending_imports"
    )
    assert (
        schedule["clean-pending-imports"]["schedule"].hour
        == schedule["stale-reminder-sweep"]["schedule"].hour
    )
