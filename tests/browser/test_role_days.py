"""Each role walks its day (issue 25), at 320 CSS pixels (1280 x 1024 at 400% zoom) and
at 1280: on every page nothing scrolls sideways, every card-table row's item link and
status are wholly on screen, and axe-core finds nothing. Each walk counts its clicks, and
the test holds the count for the role's main task to what it is now (the note of issue
25 gives them before and after).

- liaison officer: update the item that needs it most, from the home page;
- liaison lead: review an item waiting for them, then propose its closure;
- chief of staff: decide two proposals in a row ("Save and go to the next proposal");
- inspector: one force's open items from one report;
- the public: a recommendation, then the same recommendation in every force."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_axe
from tests.browser.test_monitoring import public  # noqa: F401  (a fixture)
from tests.browser.test_national import national  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HEIGHTS = {320: 256, 1280: 1024}
# Each card-table row's lead cells (the item link, its status): their boxes.
LEAD_CELLS = """() => [...document.querySelectorAll('table.app-table--cards tbody tr')]
  .filter(tr => tr.querySelector('.app-table__lead'))
  .map(tr => ({
    text: tr.innerText.slice(0, 60),
    boxes: [...tr.querySelectorAll('.app-table__lead')].map(td => {
      const r = td.getBoundingClientRect();
      return {x: r.left + window.scrollX, right: r.right + window.scrollX, w: r.width};
    }),
  }))"""


class Day:
    """One person's walk: each click counted, each page checked."""

    def __init__(self, session, width, shots, who):
        self.page = session.page
        self.width = width
        self.shots = shots
        self.who = who
        self.clicks = 0
        self.failures: list[object] = []

    def check(self, name):
        page = self.page
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= self.width, f"{self.who} {name}: scrolls sideways ({wide}px)"
        for row in page.evaluate(LEAD_CELLS):
            for box in row["boxes"]:
                on_screen = box["w"] > 0 and box["x"] >= 0 and box["right"] <= self.width
                assert on_screen, f"{self.who} {name}: {row['text']!r} lead cell at {box}"
        violations = run_axe(page)
        if violations:
            self.failures.append((name, violations))
        self.shots(page, f"{self.who}-{name}-{self.width}")

    def click(self, locator, name):
        locator.click()
        self.clicks += 1
        self.page.wait_for_load_state()
        self.check(name)


@pytest.fixture(params=sorted(HEIGHTS), ids=lambda w: f"{w}px")
def width(request):
    return request.param


def day_of(open_as, who, width, shots, start="/"):
    session = open_as(who, viewport={"width": width, "height": HEIGHTS[width]}, bypass_csp=True)
    day = Day(session, width, shots, who or "public")
    day.page.goto(start)
    day.check("start")
    return day


def test_the_liaison_officer_updates_the_item_that_needs_it_most(open_as, story, shots, width):
    day = day_of(open_as, "officer.glos", width, shots)
    attention = day.page.get_by_role("region", name="Stale or overdue: update these first")
    day.click(attention.get_by_role("link", name="Recommendation 5").first, "item")
    day.click(day.page.get_by_role("link", name="Add a progress update"), "update-form")
    day.page.get_by_label("Progress update").fill("Mapping moved to the ROCU.")
    day.click(day.page.get_by_role("button", name="Add progress update"), "updated")
    expect(day.page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress update added"
    )
    assert day.clicks == 3
    assert day.failures == []


def test_the_liaison_lead_reviews_then_proposes_closure(open_as, story, shots, width):
    day = day_of(open_as, "lead.sw", width, shots)
    queue = day.page.get_by_role("region", name="Awaiting your review")
    day.click(queue.get_by_role("link", name="Recommendation 5").first, "item")
    day.click(day.page.get_by_role("link", name="Change review status"), "review-form")
    expect(day.page.locator("main")).to_contain_text("Being progressed")  # names the target
    day.click(day.page.get_by_role("button", name="Change status"), "reviewed")
    day.click(day.page.get_by_role("link", name="Propose closure"), "propose-form")
    # The propose page shows what is to close, and its evidence.
    expect(day.page.locator("main")).to_contain_text("mapping organised crime groups")
    day.page.get_by_label("Why it should close").fill("Mapping is done by the ROCU.")
    day.page.get_by_label("insight activity").check()
    day.clicks += 1
    day.click(day.page.get_by_role("button", name="Propose closure"), "proposed")
    day.page.goto("/")
    day.check("home-after")
    mine = day.page.get_by_role("region", name="Your closure proposals awaiting a decision")
    expect(mine).to_contain_text("Recommendation 5")
    assert day.clicks == 6  # 5 clicks and ticking the method
    assert day.failures == []


@pytest.mark.usefixtures("story", "national")
def test_the_chief_of_staff_decides_two_proposals_in_a_row(open_as, shots, width):
    day = day_of(open_as, "chief.sw", width, shots)
    day.click(
        day.page.get_by_role("link", name="Recommendation 9, Devon and Cornwall Police").first,
        "item",
    )
    day.click(day.page.get_by_role("link", name="Authorise closure"), "decision")
    # The decision is made with the proposal in view: its reason and method.
    expect(day.page.locator("main")).to_contain_text("Seen the new mapping process working")
    expect(day.page.locator("main")).to_contain_text("reality testing")
    day.click(day.page.get_by_role("button", name="Save and go to the next proposal"), "next")
    expect(day.page.locator("main")).to_contain_text("Seen the new mapping process working")
    day.click(day.page.get_by_role("button", name="Save and go to the next proposal"), "done")
    expect(day.page.locator("body")).to_contain_text(
        "There are no more closure proposals for you to decide"
    )
    assert day.clicks == 4  # two proposals: 2 + 1 each
    assert day.failures == []


def test_the_inspector_finds_one_forces_open_items_from_one_report(open_as, story, shots, width):
    day = day_of(open_as, "inspector", width, shots, start="/recommendations/")
    page = day.page
    # The force comes first for an inspector: before the other filters.
    first = (page.locator("#filters .govuk-form-group").first.text_content() or "").strip()
    assert first.startswith("Force"), first[:40]
    toggle = page.locator("details.app-filter-toggle")
    if toggle.count() and toggle.get_attribute("open") is None:  # narrow: filters folded
        day.click(page.locator("summary", has_text="Show filters"), "filters-open")
    page.get_by_label("Gloucestershire Constabulary", exact=True).check()
    day.clicks += 1
    day.click(page.get_by_role("button", name="Apply filters").first, "filtered")
    rows = page.locator("table.app-table--cards tbody tr")
    expect(rows.first).to_contain_text("Recommendation")
    for text in rows.all_inner_texts():
        assert "Devon" not in text and "West Midlands" not in text
    assert day.clicks <= 3  # (show the filters,) tick the force, apply
    assert day.failures == []


@pytest.mark.usefixtures("public", "national")
def test_the_public_reads_a_recommendation_in_every_force(open_as, shots, width):
    day = day_of(open_as, None, width, shots, start="/monitoring/gloucestershire/")
    day.click(day.page.get_by_role("link", name="Recommendation 9").first, "item")
    day.click(day.page.get_by_role("link", name="This recommendation in every force"), "every")
    expect(day.page.locator("main")).to_contain_text("Devon and Cornwall")
    assert day.clicks == 2
    assert day.failures == []
