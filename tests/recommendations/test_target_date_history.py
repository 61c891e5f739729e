"""Target-date history (issue 26): the first target date an item was given is kept; every
move of it, through every door, keeps its old and new dates, its reason (required), who
moved it and whether the item was overdue, and is counted on the item; imports never
count as moves; the item page (internal only) shows the moves; a large move, or any
move of an overdue item, tells the item's liaison lead at once."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import InternalError, transaction
from django.urls import reverse

from recommendations import services
from recommendations.models import TargetDateMove, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db

# A page of an item still being progressed (the command line may import any status).
PAGE = (
    "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/gloucestershire/9/\n\n"
    "Recommendation 9\n\nThe force should do it.\n\n"
    "[on]3rd March 2017 [status]awaiting-review[/status][/on]"
    "[on]4th March 2017 [status]being-progressed[/status][/on]"
    "[on]5th March 2017 [comment]One[/comment][/on]"
    "[on]5th March 2017 [comment]Two[/comment][/on]"
)


def day(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def set_owner(item, by, target_date, reason="", **owner):
    item = TrackedItem.objects.get(pk=item.pk)
    return services.owner_set(
        item=item,
        by=by,
        version=item.version,
        owner_name=owner.get("owner_name", item.owner_name),
        owner_rank=owner.get("owner_rank", item.owner_rank),
        owner_department=owner.get("owner_department", item.owner_department),
        target_date=target_date,
        reason=reason,
    )


def fresh(item) -> TrackedItem:
    return TrackedItem.objects.get(pk=item.pk)


# The service: first dates, moves, counts ---------------------------------------------


def test_a_first_target_date_is_kept_as_the_first_and_is_not_a_move(people, item, today):
    first = today + dt.timedelta(days=30)
    set_owner(item, people["liaison-officer"], first)  # no reason needed
    item = fresh(item)
    assert (item.target_date, item.first_target_date, item.target_date_moves) == (first, first, 0)
    assert not TargetDateMove.objects.filter(item=item).exists()


def test_every_move_is_kept_with_its_reason_who_and_dates_and_counted(people, item, today):
    officer = people["liaison-officer"]
    first = today + dt.timedelta(days=30)
    second = today + dt.timedelta(days=60)
    third = today + dt.timedelta(days=45)
    set_owner(item, officer, first)
    version = fresh(item).version
    set_owner(item, officer, second, reason="Waiting for the new IT system")
    item = fresh(item)
    assert item.version == version + 1  # one change, one version
    set_owner(item, officer, third, reason="The audit came early")
    item = fresh(item)
    assert (item.target_date, item.first_target_date, item.target_date_moves) == (
        third,
        first,
        2,
    )
    moves = list(TargetDateMove.objects.filter(item=item).order_by("moved_at", "id"))
    assert [(m.old_date, m.new_date, m.reason, m.was_overdue) for m in moves] == [
        (first, second, "Waiting for the new IT system", False),
        (second, third, "The audit came early", False),
    ]
    assert all(m.moved_by == officer for m in moves)
    assert all(m.moved_by_name == services.items.display_name(officer) for m in moves)
    # The history keeps the count as it was after each change.
    counts = list(
        item.history.order_by("history_date", "history_id").values_list(
            "target_date_moves", flat=True
        )
    )
    assert counts[-3:] == [0, 1, 2]


def test_a_move_without_a_reason_is_refused_and_nothing_is_kept(people, item, today):
    officer = people["liaison-officer"]
    set_owner(item, officer, today + dt.timedelta(days=30))
    with pytest.raises(services.items.errors.ReasonRequired) as refused:
        set_owner(item, officer, today + dt.timedelta(days=90))
    assert refused.value.field == "reason"
    assert fresh(item).target_date_moves == 0
    assert not TargetDateMove.objects.exists()


def test_moving_the_date_of_an_overdue_item_records_that_it_was_overdue(
    client_as, people, item, today
):
    officer = people["liaison-officer"]
    past = today - dt.timedelta(days=10)
    set_owner(item, officer, past)
    set_owner(item, officer, today + dt.timedelta(days=5), reason="Slipped again")
    move = TargetDateMove.objects.get(item=item)
    assert move.was_overdue is True
    entry = TimelineEntry.objects.filter(item=item).order_by("-id").first()
    assert entry is not None
    assert "(15 days later, when the item was overdue)" in entry.text
    client = client_as("inspector")
    page = client.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert "Moved when overdue" in page[page.index('id="target-date-history"') :]
    body = client.get(reverse("recommendations:history_csv", args=[item.pk])).content.decode()
    whats = {r[3] for r in csv.reader(io.StringIO(body))}
    assert "Target date changed (the target date moved when the item was overdue)" in whats


def test_taking_a_target_date_away_is_a_move_and_setting_it_again_is_not(people, item, today):
    officer = people["liaison-officer"]
    first = today + dt.timedelta(days=30)
    set_owner(item, officer, first)
    set_owner(item, officer, None, reason="No date until the review reports")
    move = TargetDateMove.objects.get(item=item)
    assert (move.old_date, move.new_date) == (first, None)
    later = today + dt.timedelta(days=200)
    set_owner(item, officer, later)  # no date to move: no reason needed
    item = fresh(item)
    assert (item.first_target_date, item.target_date_moves) == (first, 1)
    assert TargetDateMove.objects.filter(item=item).count() == 1


def test_changing_only_the_owner_is_not_a_move(people, item, today):
    officer = people["liaison-officer"]
    target = today + dt.timedelta(days=30)
    set_owner(item, officer, target)
    set_owner(item, officer, target, owner_name="Lee Smith")
    assert fresh(item).target_date_moves == 0
    assert not TargetDateMove.objects.exists()


def test_a_target_date_move_is_append_only_in_the_database(people, item, today):
    officer = people["liaison-officer"]
    set_owner(item, officer, today + dt.timedelta(days=30))
    set_owner(item, officer, today + dt.timedelta(days=40), reason="Moved")
    move = TargetDateMove.objects.get()
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TargetDateMove.objects.filter(pk=move.pk).update(reason="Quietly changed")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TargetDateMove.objects.filter(pk=move.pk).delete()


def test_an_item_saved_with_a_target_date_keeps_it_as_its_first(people, item, today):
    """Whatever gives an item its first date (the demo data saves items directly)."""
    locked = services.lock_item(item)
    locked.target_date = today + dt.timedelta(days=10)
    services.save_item(locked, by=people["admin"], reason="Demo data")
    assert fresh(item).first_target_date == today + dt.timedelta(days=10)


# Every door: the page, the API, bulk ---------------------------------------------------


def owner_page_post(client, item, target: dt.date | None, **extra):
    data = {"owner_name": item.owner_name, "version": item.version, **extra}
    if target is not None:
        data |= {"target_date_0": target.day, "target_date_1": target.month}
        data |= {"target_date_2": target.year}
    return client.post(reverse("recommendations:action", args=[item.pk, "owner"]), data)


def test_a_move_through_the_page_is_kept(client_as, people, item, today):
    officer = people["liaison-officer"]
    set_owner(item, officer, today + dt.timedelta(days=30))
    client = client_as("liaison-officer")
    later = today + dt.timedelta(days=50)
    refused = owner_page_post(client, fresh(item), later)
    assert refused.status_code == 400
    assert "Enter the reason the target date is moving" in refused.content.decode()
    done = owner_page_post(client, fresh(item), later, reason="The plan was re-scoped")
    assert done.status_code == 302
    move = TargetDateMove.objects.get(item=item)
    assert (move.new_date, move.reason, move.moved_by) == (
        later,
        "The plan was re-scoped",
        officer,
    )
    assert fresh(item).target_date_moves == 1


def test_a_move_through_the_api_is_kept(people, item, today):
    from api import services as token_services
    from tests.api.conftest import ApiClient

    officer = people["liaison-officer"]
    client = ApiClient(token_services.token_create(user=officer, name="Tests", days=30)[1])
    url = f"/api/v1/items/{item.pk}/"
    first = client.patch(
        url, {"target_date": "2031-01-31"}, headers={"If-Match": f'"{item.version}"'}
    )
    assert first.status_code == 200, first.json()
    assert fresh(item).first_target_date == dt.date(2031, 1, 31)
    version = first.json()["version"]
    moved = client.patch(
        url,
        {"target_date": "2031-06-30", "reason": "Waiting for the new system"},
        headers={"If-Match": f'"{version}"'},
    )
    assert moved.status_code == 200, moved.json()
    move = TargetDateMove.objects.get(item=item)
    assert (move.old_date, move.new_date, move.reason) == (
        dt.date(2031, 1, 31),
        dt.date(2031, 6, 30),
        "Waiting for the new system",
    )
    assert fresh(item).target_date_moves == 1


def test_bulk_sets_the_owner_and_leaves_the_target_date_unmoved(client_as, people, today):
    officer = people["liaison-officer"]
    items = [make_item() for _ in range(2)]
    target = today + dt.timedelta(days=30)
    for i in items:
        set_owner(i, officer, target)
    data = {"action": "owner", "owner_name": "Lee Smith", "owner_rank": "Supt"}
    client = client_as("liaison-officer")
    post = {"item": [i.pk for i in items], "next": "/recommendations/", **data}
    assert client.post("/bulk/", {**post, "step": "check"}).status_code == 200
    assert client.post("/bulk/", {**post, "step": "confirm"}).status_code == 302
    for i in items:
        i = fresh(i)
        assert (i.owner_name, i.target_date, i.target_date_moves) == ("Lee Smith", target, 0)
    assert not TargetDateMove.objects.exists()


# Imports keep the page's dates and are never moves -----------------------------------


def import_pages(*files, report="peel-2016-glos"):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_portal_pages", *[str(f) for f in files], "--report", report, stdout=out, stderr=err
    )
    return out.getvalue()


def test_imports_never_count_as_moves_and_keep_the_dates(people, tmp_path, today):
    ReportFactory(slug="peel-2016-glos", kind="force")
    page = tmp_path / "glos-9.txt"
    page.write_text(PAGE)
    assert "created" in import_pages(page)
    item = TrackedItem.objects.get()
    # A portal page carries no target date: an imported item starts with none.
    assert (item.target_date, item.first_target_date, item.target_date_moves) == (None, None, 0)
    entry_dates = list(item.timeline.values_list("date", "position"))
    officer = people["liaison-officer"]
    first = today + dt.timedelta(days=30)
    set_owner(item, officer, first)
    set_owner(item, officer, today + dt.timedelta(days=60), reason="Waiting for the audit")
    before = fresh(item)
    assert (before.first_target_date, before.target_date_moves) == (first, 1)

    # The same page again: unchanged. A newer copy: its new entries only.
    assert "unchanged" in import_pages(page)
    newer = tmp_path / "glos-newer.txt"
    newer.write_text(PAGE + "[on]4th May 2018 [comment]A later note[/comment][/on]")
    assert "updated: 1 new entry" in import_pages(newer)
    after = fresh(item)
    assert after.version > before.version  # the import changed the item
    assert (after.target_date, after.first_target_date, after.target_date_moves) == (
        before.target_date,
        first,
        1,
    )
    assert TargetDateMove.objects.filter(item=item).count() == 1
    # The page's own entries keep their dates and order.
    assert (
        list(
            item.timeline.filter(event="imported")
            .exclude(date=dt.date(2018, 5, 4))
            .values_list("date", "position")
        )
        == entry_dates
    )


def test_a_confirmed_upload_keeps_the_moves_as_they_are(client_as, people, today):
    """The page door (preview, then confirm) as the command line."""
    ReportFactory(slug="peel-2016-glos", kind="force")
    client = client_as("admin")
    upload = io.BytesIO(PAGE.encode())
    upload.name = "glos.txt"
    preview = client.post(
        reverse("recommendations:import"), {"report": "peel-2016-glos", "files": [upload]}
    )
    client.post(
        reverse("recommendations:import_confirm"), {"import_id": preview.context["pending"].pk}
    )
    item = TrackedItem.objects.get()
    assert (item.first_target_date, item.target_date_moves) == (None, 0)
    officer = people["liaison-officer"]
    set_owner(item, officer, today + dt.timedelta(days=30))
    set_owner(item, officer, today + dt.timedelta(days=200), reason="Re-planned")
    handle = io.BytesIO((PAGE + "[on]5th May 2018 [comment]Another[/comment][/on]").encode())
    handle.name = "glos.txt"
    preview = client.post(
        reverse("recommendations:import"), {"report": "peel-2016-glos", "files": [handle]}
    )
    assert preview.status_code == 200, preview.content.decode()
    done = client.post(
        reverse("recommendations:import_confirm"), {"import_id": preview.context["pending"].pk}
    )
    assert done.status_code == 200
    item = fresh(item)
    assert item.timeline.filter(text="Another").exists()
    assert item.target_date_moves == 1
    assert TargetDateMove.objects.filter(item=item).count() == 1


# The item page, its print, the public site, the history ------------------------------


@pytest.fixture
def moved_item(people, today):
    officer = people["liaison-officer"]
    item = make_item(force="gloucestershire", finding=FindingFactory())
    first = today + dt.timedelta(days=20)
    set_owner(item, officer, first)
    set_owner(item, officer, today + dt.timedelta(days=40), reason="Waiting for the IT system")
    set_owner(item, officer, today + dt.timedelta(days=70), reason="Audit moved to the spring")
    return fresh(item)


def test_the_item_page_shows_how_often_and_why_the_date_moved(client_as, people, moved_item, today):
    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:item", args=[moved_item.pk]))
        .content.decode()
    )
    first = today + dt.timedelta(days=20)
    assert f"Target date moved 2 times (first set for {day(first)})" in html
    assert 'href="#target-date-history"' in html
    history = html[html.index('id="target-date-history"') :]
    assert "Reason: Waiting for the IT system" in history
    assert "Reason: Audit moved to the spring" in history
    # Newest first, with who moved it.
    assert history.index("Audit moved") < history.index("Waiting for the IT system")
    assert f"By {services.items.display_name(people['liaison-officer'])} on" in history


def test_an_item_never_moved_shows_no_target_date_history(client_as, people, item, today):
    set_owner(item, people["liaison-officer"], today + dt.timedelta(days=30))
    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:item", args=[item.pk]))
        .content.decode()
    )
    assert "Target date moved" not in html and "target-date-history" not in html


def test_the_print_page_shows_the_moves(client_as, moved_item, today):
    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:item_print", args=[moved_item.pk]))
        .content.decode()
    )
    assert f"Target date moved 2 times (first set for {day(today + dt.timedelta(days=20))})" in html
    assert "Reason: Audit moved to the spring" in html


def test_the_public_site_never_shows_the_moves(client, moved_item):
    item = moved_item
    response = client.get(reverse("monitoring:item", args=[item.force.slug, item.portal_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert item.finding.text in html  # the item's public page
    assert "Waiting for the IT system" not in html and "Audit moved" not in html
    assert "Target date moved" not in html and "first set for" not in html


def test_the_history_shows_each_move_with_its_reason(client_as, moved_item):
    response = client_as("inspector").get(
        reverse("recommendations:history_csv", args=[moved_item.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    moves = [r for r in rows[1:] if r[4] == "Target date" and r[5] != "not set"]
    assert [r[3] for r in moves] == ["Target date changed", "Target date changed"]
    assert [r[7] for r in moves] == ["Audit moved to the spring.", "Waiting for the IT system."]
    counts = [r[5:7] for r in rows[1:] if r[4] == "Times the target date has moved"]
    assert counts == [["1", "2"], ["0", "1"]]
    page = (
        client_as("inspector")
        .get(reverse("recommendations:history", args=[moved_item.pk]))
        .content.decode()
    )
    assert "Reason: Audit moved to the spring." in page


# The liaison lead is told at once of a large move, or a move of an overdue item --------


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as if committed, with Celery running its tasks in-process."""
    from tracker.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    yield run
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def led_item(make_user, today):
    lead = make_user("liaison-lead", "lead.glos", force_slugs=["gloucestershire"])
    item = progressed(make_item(force="gloucestershire", lead=lead), lead)
    return fresh(item)


def test_a_move_of_more_than_the_setting_tells_the_lead_at_once(
    committed, people, led_item, today, settings
):
    settings.TARGET_DATE_ALERT_DAYS = 90
    officer = people["liaison-officer"]
    first = today + dt.timedelta(days=10)
    committed(set_owner, led_item, officer, first)
    assert mail.outbox == []  # a first date is not a move
    committed(set_owner, led_item, officer, first + dt.timedelta(days=90), reason="Small slip")
    assert mail.outbox == []  # 90 days is not more than 90
    later = first + dt.timedelta(days=90 + 91)
    committed(set_owner, led_item, officer, later, reason="The force restructured")
    (message,) = mail.outbox
    item = fresh(led_item)
    assert message.to == ["lead.glos@example.org"]
    assert message.subject == f"Target date moved for {item}"
    assert f"From: {day(first + dt.timedelta(days=90))}" in message.body
    assert f"To: {day(later)} (91 days later)" in message.body
    assert "Reason: The force restructured" in message.body
    assert "moved by more than 90 days" in message.body
    assert f"moved 2 times; it was first set for {day(first)}" in message.body
    assert reverse("recommendations:item", args=[item.pk]) in message.body


def test_the_setting_decides_what_is_large(committed, people, led_item, today, settings):
    settings.TARGET_DATE_ALERT_DAYS = 14
    officer = people["liaison-officer"]
    first = today + dt.timedelta(days=10)
    committed(set_owner, led_item, officer, first)
    committed(set_owner, led_item, officer, first + dt.timedelta(days=15), reason="Two weeks")
    assert len(mail.outbox) == 1


def test_any_move_of_an_overdue_item_tells_the_lead(committed, people, led_item, today):
    officer = people["liaison-officer"]
    committed(set_owner, led_item, officer, today - dt.timedelta(days=3))
    committed(set_owner, led_item, officer, today + dt.timedelta(days=1), reason="One more day")
    (message,) = mail.outbox
    assert "because the item was overdue" in message.body


def test_nobody_is_told_of_a_rolled_back_move(committed, people, led_item, today):
    officer = people["liaison-officer"]
    committed(set_owner, led_item, officer, today - dt.timedelta(days=3))

    def move_then_fail():
        with transaction.atomic():
            set_owner(led_item, officer, today + dt.timedelta(days=300), reason="Big")
            raise RuntimeError("the request failed after the move")

    with pytest.raises(RuntimeError):
        committed(move_then_fail)
    assert mail.outbox == []
    assert not TargetDateMove.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lead_is_told_once_the_move_really_commits(make_user, people, today):
    """A real commit (no test transaction around it): the notice is sent by the commit's
    callback through Celery, in-process."""
    from tracker.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        lead = make_user("liaison-lead", "lead.glos", force_slugs=["gloucestershire"])
        item = make_item(force="gloucestershire", lead=lead)
        officer = people["liaison-officer"]
        set_owner(item, officer, today - dt.timedelta(days=1))
        assert mail.outbox == []
        with transaction.atomic():
            set_owner(item, officer, today + dt.timedelta(days=30), reason="Late")
            assert mail.outbox == []  # not before the commit
        assert [m.to for m in mail.outbox] == [["lead.glos@example.org"]]
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before


def test_a_lead_no_longer_acting_for_the_force_is_not_told(committed, people, make_user, today):
    lead = make_user("liaison-lead", "lead.wm", force_slugs=["west-midlands"])
    item = make_item(force="gloucestershire")
    TrackedItem.objects.filter(pk=item.pk).update(liaison_lead=lead)  # then moved forces
    officer = people["liaison-officer"]
    committed(set_owner, item, officer, today - dt.timedelta(days=3))
    committed(set_owner, item, officer, today + dt.timedelta(days=300), reason="Big")
    assert mail.outbox == []


# Demo and benchmark data keep first dates as the services do -----------------------------


def test_seeded_items_keep_their_target_date_as_the_first():
    from devdata.seeding import seed

    seed(items=60, seed=26)
    dated = TrackedItem.objects.filter(target_date__isnull=False)
    assert dated.exists()
    assert all(i.first_target_date == i.target_date for i in dated)
    assert not dated.filter(target_date_moves__gt=0).exists()


# The count is never lost, whatever else changes the item at the same time -------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_moves_and_comments_keep_every_move_counted(people, today):
    from tests.recommendations.test_concurrency import run_concurrently

    officer, lead = people["liaison-officer"], people["liaison-lead"]
    item = make_item(force="gloucestershire")
    set_owner(item, officer, today + dt.timedelta(days=10))

    def work(index):
        if index % 2:  # another change that saves the item meanwhile
            return services.comment_add(
                item=fresh(item), by=lead, text=f"Comment {index}", visibility="internal"
            )
        for _ in range(50):  # as a person would: reload the form and save again
            try:
                return set_owner(
                    item, officer, today + dt.timedelta(days=20 + index), reason=f"Move {index}"
                )
            except services.items.errors.ItemChanged:
                continue
        raise AssertionError("never saved")

    results = run_concurrently(10, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    after = fresh(item)
    assert after.target_date_moves == TargetDateMove.objects.filter(item=item).count() == 5
    assert after.first_target_date == today + dt.timedelta(days=10)
