"""Every table page at 320 CSS pixels (1280 x 1024 at 400% zoom), 768 and 1280: nothing
scrolls sideways, and in every row the item link and its status (the cells marked
.app-table__lead: on narrow screens each row is a stacked card with these first) are
wholly on screen; axe-core finds nothing. Issue 25."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from recommendations.models import TrackedItem
from tests.browser.conftest import run_axe
from tests.browser.test_monitoring import public  # noqa: F401  (a fixture)
from tests.browser.test_national import national  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
WIDTHS = {320: 256, 768: 1024, 1280: 1024}
PAGES = {
    "inspector": ["/recommendations/?status=all", "/"],
    "officer.glos": ["/recommendations/", "/"],
    "lead.sw": ["/recommendations/", "/"],
    "chief.sw": ["/"],
    None: ["/monitoring/gloucestershire/"],  # the public force page, signed out
}
# For each row of a card table: its lead cells' boxes, and whether it has a link.
ROWS = """() => [...document.querySelectorAll('table.app-table--cards tbody tr')]
  .filter(tr => tr.querySelector('.app-table__lead'))
  .map(tr => ({
    text: tr.innerText.slice(0, 60),
    link: !!tr.querySelector('.app-table__lead a.govuk-link'),
    tagsElsewhere: tr.querySelectorAll('.govuk-tag').length
      - tr.querySelectorAll('.app-table__lead .govuk-tag').length,
    boxes: [...tr.querySelectorAll('.app-table__lead')].map(td => {
      const r = td.getBoundingClientRect();
      return {x: r.left + window.scrollX, right: r.right + window.scrollX, w: r.width};
    }),
  }))"""


@pytest.fixture
def aged(story, national):  # noqa: F811
    """The story's item being progressed, with no entry for a year: stale."""
    TrackedItem.objects.filter(pk=story["fresh"].pk).update(
        last_entry_on=dt.date.today() - dt.timedelta(days=365)
    )


def check(page, width, label, failures):
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{label} scrolls sideways at {width}px ({wide}px)"
    rows = page.evaluate(ROWS)
    assert rows, f"{label}: no card table rows"
    for row in rows:
        assert row["link"], f"{label}: a row without its item link first: {row['text']}"
        assert row["tagsElsewhere"] == 0, f"{label}: a status not first: {row['text']}"
        for box in row["boxes"]:
            on_screen = box["w"] > 0 and box["x"] >= 0 and box["right"] <= width
            assert on_screen, f"{label} at {width}px: {row['text']!r} lead cell at {box}"
    violations = run_axe(page)
    if violations:
        failures.append((label, width, violations))


@pytest.mark.usefixtures("story", "public", "aged")
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_table_page_keeps_links_and_status_on_screen(open_as, shots, width):
    failures = []
    viewport = {"width": width, "height": WIDTHS[width]}
    for who, urls in PAGES.items():
        page = open_as(who, viewport=viewport, bypass_csp=True).page
        for url in urls:
            page.goto(url)
            check(page, width, f"{url} as {who}", failures)
            name = re.sub(r"\W+", "-", url).strip("-") or "home"
            shots(page, f"{who or 'public'}-{name}-{width}")
    assert failures == []


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.usefixtures("story", "national")
def test_the_bulk_check_page_at_each_width(open_as, shots, width):
    failures = []
    page = open_as(
        "chief.sw", viewport={"width": width, "height": WIDTHS[width]}, bypass_csp=True
    ).page
    page.goto("/")
    page.get_by_label("Select all 2 proposals shown").check()
    page.get_by_role("button", name="Authorise the selected proposals").click()
    page.get_by_role("button", name="Continue").click()
    heading = page.get_by_role("heading", name="Check what will happen to 2 items")
    expect(heading).to_be_visible()
    box = heading.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    check(page, width, "bulk check", failures)
    shots(page, f"bulk-check-{width}")
    assert failures == []


def test_stale_tags_show_in_the_tables(open_as, story, aged):
    page = open_as("officer.glos", viewport={"width": 320, "height": 256}).page
    page.goto("/recommendations/?status=all")
    row = page.locator("#results tbody tr", has_text="Recommendation 6")
    expect(row.locator(".govuk-tag", has_text="Stale")).to_be_visible()
    other = page.locator("#results tbody tr", has_text="Recommendation 5")
    expect(other.locator(".govuk-tag", has_text="Stale")).to_have_count(0)
    page.goto("/")
    attention = page.get_by_role("region", name="Stale or overdue: update these first")
    expect(attention.locator(".govuk-tag", has_text="Stale")).to_have_count(1)
