"""The public monitoring portal in a real browser, signed out: axe-core (WCAG 2.2 AA) on
every public page template in its states, the filters by keyboard alone, reflow at 320
CSS pixels, and screenshots at 320, 768 and 1280 pixels."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recommendations import services
from recommendations.models import TrackedItem
from tests.browser.conftest import ROOT, run_axe
from tests.browser.test_accessibility import go, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def public(story, people):
    """The story's items, one with a public and an internal comment."""
    item = TrackedItem.objects.get(pk=story["fresh"].pk)
    services.comment_add(
        item=item,
        by=people["lead.sw"],
        text="The force has set up a regional threat assessment.\n\n• profile done; • plan due.",
        visibility="public",
    )
    services.comment_add(
        item=item, by=people["lead.sw"], text="Internal: chase the DCI.", visibility="internal"
    )
    overdue = TrackedItem.objects.get(pk=story["overdue"].pk)
    return {"item": item, "overdue": overdue}


def public_pages(public):
    item, overdue = public["item"], public["overdue"]
    return [
        ("list", "/monitoring/"),
        ("list-filtered", "/monitoring/?force=gloucestershire&status=being-progressed&q=threat"),
        ("list-error", "/monitoring/?force=atlantis"),
        ("list-empty", "/monitoring/?q=nothingmatchesthis"),
        ("force", "/monitoring/gloucestershire/"),
        ("force-empty", "/monitoring/dorset/"),
        ("item", f"/monitoring/gloucestershire/{item.portal_id}/"),
        ("item-cause-of-concern", f"/monitoring/gloucestershire/{overdue.portal_id}/"),
    ]


def test_every_public_page_has_no_axe_violations(open_as, public):
    session = open_as(None, bypass_csp=True)  # so axe itself can be injected
    failures = []
    for state, url in public_pages(public):
        session.page.goto(url)
        assert "chase the DCI" not in session.page.content()
        violations = run_axe(session.page)
        if violations:
            failures.append((state, violations))
    assert failures == []
    # The one error is the bad filter value's own 400 page.
    assert [e for e in session.console_errors if "400" not in e] == []


def test_the_public_filters_by_keyboard_alone(open_as, public):
    page = open_as(None, viewport={"width": 1280, "height": 900}).page
    page.goto("/monitoring/")
    tab_to(page, "#id_q")
    page.keyboard.type("threat")
    tab_to(page, "#id_force")
    page.keyboard.press("Enter")  # a closed select opens; pick by typing the name
    page.keyboard.type("Gloucestershire")
    page.keyboard.press("Enter")
    tab_to(page, "#filters button[type=submit]")
    go(page, "Enter")
    expect(page.locator(".moj-filter-tags")).to_contain_text("Gloucestershire Constabulary")
    expect(page.locator(".app-public-result")).to_have_count(1)
    tab_to(page, ".app-public-result a")
    go(page, "Enter")
    expect(page.locator("h1")).to_contain_text("Recommendation")
    expect(page.locator("main")).to_contain_text("regional threat assessment")


def test_public_pages_reflow_at_320_css_pixels(open_as, public):
    page = open_as(None, viewport={"width": 320, "height": 640}).page
    for _, url in public_pages(public):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{url} scrolls sideways at 320px ({width}px wide)"


def test_screenshots_of_the_public_pages(open_as, public):
    """docs/screenshots/public-*.png at 320, 768 and 1280 pixels (looked at by a person
    before they were committed)."""
    folder = ROOT / "test-artifacts" / "screenshots" / "public-portal"
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "list": "/monitoring/",
        "force": "/monitoring/gloucestershire/",
        "item": f"/monitoring/gloucestershire/{public['item'].portal_id}/",
    }
    for width in (320, 768, 1280):
        page = open_as(None, viewport={"width": width, "height": 900}).page
        for name, url in pages.items():
            page.goto(url)
            assert re.search(r"Police inspection recommendations", page.title())
            page.screenshot(path=str(folder / f"public-{name}-{width}.png"), full_page=True)
