"""Stale reminders and escalation: a real sweep, real Redis, a real Celery worker."""

import datetime as dt
import io
import logging
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forces.models import Force
from recommendations import reminders, services, tasks
from recommendations.models import Reminder, ReminderDelivery, Status, TrackedItem
from tests.conftest import sign_in
from tests.factories import FindingFactory, ReportFactory, make_item

START = dt.date(2025, 1, 10)


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


@pytest.fixture
def team(make_user):
    return {
        "officer": make_user("liaison-officer", "officer.glos"),
        "other_officer": make_user("liaison-officer", "officer.wmp", force_slugs=["west-midlands"]),
        "lead": make_user(
            "liaison-lead",
            "lead.sw",
            force_slugs=["gloucestershire", "devon-and-cornwall", "west-midlands"],
        ),
        "chief": make_user("chief-of-staff", "chief.sw"),
    }


def progressing_item(team, force="gloucestershire", on=START):
    with at(on):
        item = make_item(force=force, lead=team["lead"], on=on)
        services.status_change(item=item, by=team["lead"], to=Status.BEING_PROGRESSED)
    return TrackedItem.objects.get(pk=item.pk)


def run_command(*args):
    out = io.StringIO()
    call_command("send_stale_reminders", *args, stdout=out)
    return out.getvalue()


def digests():
    return {m.to[0].split("@")[0]: m for m in mail.outbox}


@pytest.mark.django_db
def test_a_stale_item_gives_one_digest_per_recipient_and_a_second_run_nothing(team):
    a = progressing_item(team)
    b = progressing_item(team)
    progressing_item(team, force="west-midlands")  # no officer or lead of ours
    with at(START + dt.timedelta(days=89)):
        assert "0 digests" in run_command()
    with at(START + dt.timedelta(days=91)):
        out = run_command()
        assert "officer.glos: 2 items, 0 escalations" in out
        assert "lead.sw: 3 items, 0 escalations" in out
        sent = digests()
        assert set(sent) == {"officer.glos", "lead.sw", "officer.wmp"}
        body = sent["officer.glos"].body
        assert body.count("Gloucestershire Constabulary") == 2
        assert f"/recommendations/{a.pk}/" in body and f"/recommendations/{b.pk}/" in body
        assert "91 days since the last update" in body
        html, mime = sent["officer.glos"].alternatives[0]
        assert mime == "text/html" and f"/recommendations/{a.pk}/" in html
        assert "chief.sw" not in sent
        mail.outbox.clear()
        assert "0 digests, 0 reminders" in run_command()
        assert mail.outbox == []
    assert Reminder.objects.filter(kind="reminder").count() == 3


@pytest.mark.django_db
def test_dry_run_sends_and_records_nothing(team):
    progressing_item(team)
    with at(START + dt.timedelta(days=100)):
        out = run_command("--dry-run")
    assert "officer.glos: 1 items, 0 escalations" in out and "Dry run" in out
    assert mail.outbox == [] and not Reminder.objects.exists()


@pytest.mark.django_db
def test_a_new_entry_ends_the_stale_period_and_a_later_one_is_reminded_again(team):
    item = progressing_item(team)
    with at(START + dt.timedelta(days=91)):
        run_command()
    mail.outbox.clear()
    comment_day = START + dt.timedelta(days=95)
    with at(comment_day):
        services.comment_add(item=item, by=team["officer"], text="Update", action="progress-update")
        assert "0 digests" in run_command()
    with at(comment_day + dt.timedelta(days=91)):
        out = run_command()
    assert "officer.glos: 1 items" in out
    assert list(
        Reminder.objects.filter(item=item)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    ) == [START, comment_day]


@pytest.mark.django_db
def test_escalation_after_the_second_period_reaches_the_chief_once(team):
    item = progressing_item(team)
    with at(START + dt.timedelta(days=91)):
        run_command()
    mail.outbox.clear()
    with at(START + dt.timedelta(days=121)):
        out = run_command()
        assert "chief.sw: 0 items, 1 escalations" in out
        assert "officer.glos: 0 items, 1 escalations" in out
        assert "ESCALATED to the regional chief of staff" in digests()["chief.sw"].body
        mail.outbox.clear()
        assert "0 digests" in run_command()
    html = None
    from django.test import Client

    client = Client()
    sign_in(client, team["lead"])
    html = client.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert "Escalation sent" in html and "Reminder sent" in html


@pytest.mark.django_db
def test_sweep_query_count_is_the_same_for_10_and_1000_stale_items(team):
    finding_report = ReportFactory()
    force = Force.objects.get(slug="gloucestershire")

    def add(n):
        findings = [FindingFactory(report=finding_report) for _ in range(n)]
        TrackedItem.objects.bulk_create(
            TrackedItem(
                finding=f,
                force=force,
                status_id=Status.BEING_PROGRESSED,
                last_entry_on=START,
                liaison_lead=team["lead"],
            )
            for f in findings
        )

    def count():
        Reminder.objects.all().delete()
        with at(START + dt.timedelta(days=200)), CaptureQueriesContext(connection) as ctx:
            result, people = reminders.sweep()
        return len(ctx.captured_queries), result.claimed

    add(10)
    few, claimed_few = count()
    add(990)
    many, claimed_many = count()
    # Each is past the escalation cutoff: escalated, not also reminded for the period.
    assert (claimed_few, claimed_many) == (10, 1000)
    assert few == many


def run_together(n, work):
    barrier = threading.Barrier(n)
    errors = []

    def run():
        try:
            barrier.wait()
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_reminder_once(team):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")
    for _ in range(5):
        progressing_item(team)
    with at(START + dt.timedelta(days=91)):
        run_together(2, lambda: call_command("send_stale_reminders", stdout=io.StringIO()))
    officer_mails = [m for m in mail.outbox if m.to == ["officer.glos@example.org"]]
    assert len(officer_mails) == 1
    assert officer_mails[0].body.count("Gloucestershire Constabulary") == 5
    assert Reminder.objects.count() == 5
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 0


# --- Celery and Redis, for real -------------------------------------------------------


@pytest.fixture
def worker(settings):
    from celery.contrib.testing.worker import start_worker

    from tracker.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    _reset_broker(app)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    with start_worker(
        app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10
    ):
        yield app


def _reset_broker(app):
    app._pool = None
    app.amqp._producer_pool = None


def wait_until(check, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)  # waiting for another process's work, not moving time
    return False


@pytest.mark.celery
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_task_runs_on_a_real_worker_and_sends_digests(team, worker):
    progressing_item(team)
    with at(START + dt.timedelta(days=91)):
        tasks.stale_sweep.delay()
        assert wait_until(lambda: Reminder.objects.filter(sent_at__isnull=False).exists())
        assert wait_until(lambda: len(mail.outbox) >= 2)
    assert {m.to[0] for m in mail.outbox} == {"officer.glos@example.org", "lead.sw@example.org"}
    assert "stale-reminder-sweep" in worker.conf.beat_schedule


@pytest.mark.celery
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_redis_down_never_blocks_a_comment_and_the_next_sweep_catches_up(
    team, settings, caplog, worker
):
    item = progressing_item(team)
    from django.test import Client

    client = Client()
    sign_in(client, team["officer"])
    worker.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    _reset_broker(worker)
    try:
        with caplog.at_level(logging.WARNING):
            started = time.monotonic()
            response = client.post(
                reverse("recommendations:action", args=[item.pk, "progress-update"]),
                {"text": "Written while Redis is down"},
            )
            elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 2, f"the comment took {elapsed:.2f}s with the broker down"
        assert "the broker is unreachable" in caplog.text
        assert item.timeline.filter(text="Written while Redis is down").exists()
        with at(dt.date.today() + dt.timedelta(days=100)):
            tasks.stale_sweep()  # claims; cannot queue the digests
        assert mail.outbox == []
        assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 2
    finally:
        worker.conf.broker_url = settings.CELERY_BROKER_URL
        _reset_broker(worker)
    with at(dt.date.today() + dt.timedelta(days=100)):
        tasks.stale_sweep.delay()
        assert wait_until(
            lambda: not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
        )
    assert {m.to[0] for m in mail.outbox} == {"officer.glos@example.org", "lead.sw@example.org"}
