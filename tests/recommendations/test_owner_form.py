"""The owner form says what it does (issue 25): the reason for moving the target date is
not labelled "(optional)" and then required; it is a conditional reveal, shown once the
target date changes (static/js/reveal-on-change.mjs), and without JavaScript it is shown
with a hint saying when it is required. One timeline entry names every field that
changed, with the old and new values."""

import contextlib
import datetime as dt
import html as html_lib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from recommendations import services
from recommendations.forms import OwnerForm
from recommendations.models import TimelineEntry, TrackedItem

pytestmark = pytest.mark.django_db

JS = Path(__file__).resolve().parents[2] / "static" / "js" / "reveal-on-change.mjs"


def day(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def owner_url(item) -> str:
    return reverse("recommendations:action", args=[item.pk, "owner"])


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


def text_of(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", main)))


def date_post(item, target: dt.date, **extra) -> dict[str, object]:
    return {
        "owner_name": item.owner_name,
        "version": item.version,
        "target_date_0": target.day,
        "target_date_1": target.month,
        "target_date_2": target.year,
        **extra,
    }


@pytest.fixture
def dated_item(people, item, today):
    set_owner(item, people["liaison-officer"], today + dt.timedelta(days=30))
    return TrackedItem.objects.get(pk=item.pk)


# The reason: a conditional reveal that says it is required -----------------------------


def test_the_reason_is_not_labelled_optional_and_says_when_it_is_required(client_as, dated_item):
    html = client_as("liaison-officer").get(owner_url(dated_item)).content.decode()
    label = re.search(r'<label[^>]*for="id_reason"[^>]*>(.*?)</label>', html, re.S)
    assert label is not None
    assert label.group(1).strip() == "Reason for moving the target date"
    assert "(optional)" not in label.group(1)
    hint = re.search(r'id="id_reason-hint"[^>]*>(.*?)</div>', html, re.S)
    assert hint is not None
    assert hint.group(1).strip().startswith("Required if you change the target date")
    assert 'aria-describedby="id_reason-hint"' in html


def test_the_reason_is_revealed_by_the_projects_script_once_the_date_changes(client_as, dated_item):
    html = client_as("liaison-officer").get(owner_url(dated_item)).content.decode()
    stored = dated_item.target_date
    group = re.search(r'<div class="govuk-form-group"([^>]*)>\s*<label[^>]*for="id_reason"', html)
    assert group is not None
    attributes = group.group(1)
    assert 'data-app-reveal-when-changed="id_target_date"' in attributes
    assert f'data-app-reveal-from="{stored.day}/{stored.month}/{stored.year}"' in attributes
    assert 'data-app-reveal-hint="Required, because you changed the target date.' in attributes
    assert '<script type="module" src="/static/app/js/reveal-on-change.mjs' in html
    assert finders.find("app/js/reveal-on-change.mjs") is not None  # served as the others


def test_other_action_pages_do_not_load_the_reveal(client_as, dated_item):
    html = (
        client_as("liaison-officer")
        .get(reverse("recommendations:action", args=[dated_item.pk, "progress-update"]))
        .content.decode()
    )
    assert "reveal-on-change" not in html


def test_an_item_without_a_target_date_is_asked_no_reason(client_as, people, item, today):
    """Giving a first target date is not a move: there is no reason to ask for."""
    client = client_as("liaison-officer")
    assert 'name="reason"' not in client.get(owner_url(item)).content.decode()
    first = today + dt.timedelta(days=30)
    assert client.post(owner_url(item), date_post(item, first)).status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).target_date == first


def test_the_form_asks_the_reason_only_of_an_item_with_a_date(today):
    assert "reason" not in OwnerForm(initial={"version": 1, "target_date": None}).fields
    dated = OwnerForm(initial={"version": 1, "target_date": today})
    assert dated.fields["reason"].required is False  # the service decides when it is needed


def test_moving_the_date_without_a_reason_names_the_field_and_keeps_it_shown(
    client_as, dated_item, today
):
    later = dated_item.target_date + dt.timedelta(days=14)
    response = client_as("liaison-officer").post(
        owner_url(dated_item), date_post(dated_item, later)
    )
    assert response.status_code == 400
    html = response.content.decode()
    # The summary links to the reason; the reason's own error says what to enter.
    assert re.search(r'<a href="#id_reason">\s*Enter the reason the target date is moving', html), (
        html
    )
    assert 'id="id_reason-error"' in html
    # The group carries the error, so the script keeps it shown.
    assert re.search(
        r'class="govuk-form-group govuk-form-group--error"[^>]*data-app-reveal-when-changed', html
    )
    item = TrackedItem.objects.get(pk=dated_item.pk)
    assert item.target_date == dated_item.target_date and item.version == dated_item.version


def test_a_past_date_confirmation_comes_before_the_reason(client_as, dated_item, today):
    past = today - dt.timedelta(days=3)
    html = (
        client_as("liaison-officer")
        .post(owner_url(dated_item), date_post(dated_item, past, reason="Slipped"))
        .content.decode()
    )
    assert html.index('name="confirm_past_date"') < html.index('name="reason"')


# The reveal in a browser -------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextlib.contextmanager
def page_with_script(html: str) -> Iterator[Any]:
    """A page of Debian's Chromium (as tests/browser), without a server: the form's HTML
    is the page's content, and the script runs on it. Opened after the test's database
    work: while Playwright's loop runs, Django's connections are not the test's."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: apt-get install chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page()
        page.set_content(form_only(html))
        page.add_script_tag(content=JS.read_text(), type="module")
        try:
            yield page
        finally:
            browser.close()


def form_only(html: str) -> str:
    """The page without its own scripts and styles (they are served, not set)."""
    return re.sub(r"<script\b.*?</script>|<link\b[^>]*>", "", html, flags=re.S)


@pytest.mark.browser
def test_the_reason_appears_once_the_date_changes_and_goes_when_it_is_put_back(
    client_as, dated_item
):
    html = client_as("liaison-officer").get(owner_url(dated_item)).content.decode()
    stored = dated_item.target_date
    with page_with_script(html) as page:
        reveal_and_hide(page, stored)


def reveal_and_hide(page: Any, stored: dt.date) -> None:
    reason = page.locator("#id_reason")
    hint = page.locator("#id_reason-hint")
    page.wait_for_function("document.getElementById('id_reason').offsetParent === null")
    assert not reason.is_visible()  # the date is as stored: nothing to explain
    page.fill("#id_target_date_0", str((stored + dt.timedelta(days=1)).day))
    assert reason.is_visible()
    assert hint.inner_text().startswith("Required, because you changed the target date")
    page.fill("#id_target_date_0", f"0{stored.day}" if stored.day < 10 else str(stored.day))
    assert not reason.is_visible()  # back as it was ("07" is day 7)
    page.fill("#id_target_date_2", "")  # taking the date away is a move too
    assert reason.is_visible()


@pytest.mark.browser
def test_the_reason_with_an_error_stays_shown(client_as, dated_item):
    later = dated_item.target_date + dt.timedelta(days=14)
    html = (
        client_as("liaison-officer")
        .post(owner_url(dated_item), date_post(dated_item, later))
        .content.decode()
    )
    with page_with_script(html) as page:
        page.wait_for_function(
            "document.getElementById('id_reason-hint').textContent.startsWith('Required,')"
        )
        assert page.locator("#id_reason").is_visible()


# One timeline entry names every field that changed -----------------------------------


def latest_owner_entry(item) -> TimelineEntry:
    entry = (
        TimelineEntry.objects.filter(item=item, event=TimelineEntry.Event.OWNER_CHANGED)
        .order_by("-id")
        .first()
    )
    assert entry is not None
    return entry


def test_one_entry_names_the_owner_and_the_moved_date(people, dated_item):
    old = dated_item.target_date
    new = old + dt.timedelta(days=45)
    set_owner(
        dated_item,
        people["liaison-officer"],
        new,
        reason="Work re-scheduled.",
        owner_name="Lee Wharmby",
        owner_rank="Supt",
        owner_department="Intelligence",
    )
    assert latest_owner_entry(dated_item).text == "\n".join(
        [
            "Owner and target date changed.",
            "Owner set to Supt, Lee Wharmby, Intelligence.",
            f"Target date moved from {day(old)} to {day(new)} (45 days later).",
            "Reason: Work re-scheduled.",
        ]
    )


@pytest.mark.parametrize(
    "change,headline,line",
    [
        ("owner", "Owner changed", "Owner changed from Lee Smith to Kate Jones."),
        ("date", "Target date changed", "Target date moved from"),
        ("removed", "Owner changed", "Owner removed (it was Lee Smith)."),
    ],
)
def test_each_entry_names_what_changed_and_nothing_else(people, dated_item, change, headline, line):
    officer = people["liaison-officer"]
    set_owner(dated_item, officer, dated_item.target_date, owner_name="Lee Smith")
    target = dated_item.target_date
    if change == "owner":
        set_owner(dated_item, officer, target, owner_name="Kate Jones")
    elif change == "date":
        set_owner(dated_item, officer, target + dt.timedelta(days=1), reason="A day late")
    else:
        set_owner(dated_item, officer, target, owner_name="")
    first, *rest = latest_owner_entry(dated_item).text.split("\n")
    assert first == headline + "."
    assert rest[0].startswith(line)


def test_the_item_page_heads_the_entry_with_every_field_that_changed(client_as, people, dated_item):
    new = dated_item.target_date + dt.timedelta(days=10)
    set_owner(dated_item, people["liaison-officer"], new, reason="Slipped", owner_name="Lee Smith")
    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:item", args=[dated_item.pk]))
        .content.decode()
    )
    titles = [
        re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", t))).strip()
        for t in re.findall(r'<h3 class="moj-timeline__title">(.*?)</h3>', html, re.S)
    ]
    assert titles[0] == "Owner and target date changed Internal"
    assert "Owner changed Internal" not in titles[:1]
    text = text_of(html)
    assert "Owner set to Lee Smith." in text
    assert f"Target date moved from {day(dated_item.target_date)} to {day(new)}" in text
    assert "Reason: Slipped." in text
    assert "Owner and target date changed." not in text  # the heading, not said twice


def test_the_print_page_heads_the_entry_the_same_way(client_as, people, dated_item):
    new = dated_item.target_date + dt.timedelta(days=10)
    set_owner(dated_item, people["liaison-officer"], new, reason="Slipped")
    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:item_print", args=[dated_item.pk]))
        .content.decode()
    )
    assert re.search(r"<h3[^>]*>Target date changed <span", html)


def test_an_entry_written_before_keeps_its_label(client_as, people, dated_item):
    """Entries are never rewritten: an owner entry of the old one-line form keeps the
    "Owner changed" heading and its whole text."""
    from recommendations.services.common import append_note, lock_item

    locked = lock_item(dated_item)
    append_note(
        locked,
        by=people["liaison-officer"],
        text="Owner set to Lee; target date set to 1 June 2030.",
        event=TimelineEntry.Event.OWNER_CHANGED,
    )
    services.save_item(locked, by=people["liaison-officer"], reason="Old entry")
    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:item", args=[dated_item.pk]))
        .content.decode()
    )
    assert "Owner set to Lee; target date set to 1 June 2030." in html_lib.unescape(html)
    assert re.search(r'<h3 class="moj-timeline__title">Owner changed ', html)
