"""Issue 19 in a real browser: the readable timeline, the history as a change log and
the print views, at 320, 768 and 1280 CSS pixels, with axe-core finding nothing, and
the screenshots kept in docs/screenshots/ (item-*.png, history-*.png)."""

import datetime as dt

import pytest

from recommendations import services
from recommendations.models import Theme, TrackedItem
from tests.browser.conftest import ROOT, run_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
WIDTHS = {"320": (320, 800), "768": (768, 1024), "1280": (1280, 1024)}
DOCS = ROOT / "docs" / "screenshots"


@pytest.fixture
def worked_item(story, people):
    """An item with a life: themes, an owner, comments, a proposal returned."""
    item = TrackedItem.objects.get(pk=story["fresh"].pk)
    item.themes.add(Theme.objects.get_or_create(name="Serious organised crime", slug="soc")[0])
    officer, lead, chief = people["officer.glos"], people["lead.sw"], people["chief.sw"]
    item = TrackedItem.objects.get(pk=item.pk)
    services.owner_set(
        item=item,
        by=officer,
        version=item.version,
        owner_name="Lee Smith",
        owner_rank="Supt",
        owner_department="Intelligence",
        target_date=dt.date.today() + dt.timedelta(days=90),
    )
    services.comment_add(
        item=item,
        by=officer,
        text="Mapping moved to the regional unit. Evidence: • the new process • a profile",
        action="progress-update",
    )
    services.comment_add(item=item, by=lead, text="Checked with the unit.", visibility="public")
    services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
    services.closure_return(
        item=TrackedItem.objects.get(pk=item.pk), by=chief, reason="Need the audit results"
    )
    return TrackedItem.objects.get(pk=item.pk)


def test_item_and_history_read_plainly_at_each_width(open_as, worked_item, shots):
    session = open_as("inspector", bypass_csp=True)  # so axe itself can be injected
    page = session.page
    DOCS.mkdir(parents=True, exist_ok=True)
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        page.goto(f"/recommendations/{worked_item.pk}/")
        body = page.locator("main").inner_text()
        assert "Status changed from Awaiting review to Being progressed" in body
        assert "Closure returned" in body and "Progress update" in body
        assert "Officer Glos, liaison officer, Gloucestershire Constabulary" in body
        assert "Chief Sw, chief of staff, South West" in body
        assert run_axe(page) == []
        shots(page, f"item-{width}")
        page.screenshot(path=str(DOCS / f"item-{width}.png"), full_page=True)

        page.goto(f"/recommendations/{worked_item.pk}/history/")
        text = page.locator("main").inner_text()
        for raw in ("{'", "None", "[{", "owner_name", "being-progressed"):
            assert raw not in text, raw
        assert "Serious organised crime" in text and "Lee Smith" in text
        assert run_axe(page) == []
        shots(page, f"history-{width}")
        page.screenshot(path=str(DOCS / f"history-{width}.png"), full_page=True)
        # nothing wider than the screen: the table scrolls in its own box
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
    assert session.console_errors == []


def test_print_views_and_force_lead_page_pass_axe(open_as, worked_item, story, shots):
    session = open_as("chief.sw", bypass_csp=True)  # so axe itself can be injected
    page = session.page
    for url, name in (
        (f"/recommendations/{worked_item.pk}/print/", "item-print"),
        (f"/reports/{story['report'].slug}/print/", "report-print"),
        ("/forces/gloucestershire/liaison-lead/", "force-lead"),
    ):
        page.goto(url)
        assert run_axe(page) == [], name
        shots(page, name)
    page.goto(f"/recommendations/{worked_item.pk}/print/")
    page.emulate_media(media="print")
    assert not page.locator("header").first.is_visible()
    assert not page.locator(".govuk-back-link").is_visible()
    assert not page.locator(".govuk-footer").is_visible()
    shots(page, "item-print-media")
    page.goto(f"/reports/{story['report'].slug}/print/")
    # the chief sees the South West's items only
    text = page.locator("main").inner_text()
    assert "West Midlands" not in text and "Devon and Cornwall" in text
    shots(page, "report-print-media")
    assert session.console_errors == []
