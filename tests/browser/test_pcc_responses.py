"""The PCC office's journey in a real browser (issue 28): the Gloucestershire PCC office
signs in, sees its responses due on its home page, writes and publishes the response to
a report with the keyboard and the labels only, and finds it received. axe-core on each
state (home, form, form with errors, report) at 320 and 1280 CSS pixels in the same
page, with no sideways scrolling at 320. The force's own liaison officer is not offered
the form. Screenshots of the home page, the form with errors and the report with the response."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from forces.users import user_set_role
from recommendations.models import InspectionReport
from tests.browser.conftest import PASSWORD, run_axe
from tests.factories import FindingFactory, make_item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (320, 1280)


@pytest.fixture
def pcc_story(people):
    user_set_role(
        username="pcc.glos",
        role="pcc-office",
        force_slugs=["gloucestershire"],
        password=PASSWORD,
        email="pcc.glos@example.org",
        full_name="Priya Clarke",
    )
    today = dt.date.today()
    report = InspectionReport.objects.create(
        title="PEEL 2025: Police effectiveness, efficiency and legitimacy – Gloucestershire",
        slug="peel-2025-gloucestershire",
        kind="force",
        response_required=True,
        published=today - dt.timedelta(days=60),
    )
    items = [
        make_item(
            force="gloucestershire",
            lead=people["lead.sw"],
            finding=FindingFactory(
                report=report,
                number=n,
                text=f"The force should improve how it supports victims (step {n}).",
            ),
        )
        for n in (1, 2)
    ]
    soon = InspectionReport.objects.create(
        title="Stolen freedom 2025",
        slug="stolen-freedom-2025",
        kind="thematic",
        response_required=True,
        published=today - dt.timedelta(days=50),
    )
    make_item(force="gloucestershire", finding=FindingFactory(report=soon, number=1))
    make_item(force="devon-and-cornwall", finding=FindingFactory(report=soon, number=1))
    return {"report": report, "items": items}


def at_both_widths(page, name, failures):
    """axe at 320 and 1280 CSS pixels in the same page, and no sideways scroll at 320;
    the page is left at 1280."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width}px ({scroll}px wide)"
        failures += [(f"{name} at {width}px", v) for v in run_axe(page)]


def test_the_pcc_office_writes_and_publishes_its_response(open_as, pcc_story, shots):
    report = pcc_story["report"]
    form_url = f"/reports/{report.slug}/responses/gloucestershire/"
    session = open_as("pcc.glos", bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = session.page
    failures = []

    page.goto("/")
    responses = page.locator("#pcc-responses ~ .app-table-container").first
    expect(responses).to_contain_text("Responses due (2)")
    expect(responses).to_contain_text("4 days overdue")
    expect(responses).to_contain_text("6 days left")
    expect(
        page.get_by_role("heading", name="Gloucestershire Constabulary: open items")
    ).to_be_visible()
    at_both_widths(page, "home", failures)
    shots(page, "home")
    page.get_by_role("link", name=f"Write the response to {report.title}").click()
    page.wait_for_url(f"**{form_url}")
    at_both_widths(page, "form", failures)
    page.get_by_role("button", name="Save response").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    at_both_widths(page, "form with errors", failures)
    shots(page, "form-with-errors")

    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill(str(dt.date.today().month))
    page.get_by_label("Year").fill(str(dt.date.today().year))
    page.get_by_label("Link to the published response").fill(
        "https://pcc.example.org/gloucestershire/peel-2025.pdf"
    )
    radios = page.get_by_role("radio", name="Partly accepted")
    for index in range(radios.count()):
        radios.nth(index).focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Save response").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/reports/{report.slug}/")
    expect(page.get_by_text("response saved")).to_be_visible()
    expect(page.locator("#pcc-responses ~ .app-table-container")).to_contain_text("Received")
    at_both_widths(page, "report with a response", failures)
    shots(page, "report-with-response")
    page.goto("/")
    expect(page.locator("#pcc-responses ~ .app-table-container").first).to_contain_text(
        "Responses due (1)"
    )
    assert failures == []
    # The page with errors answers 400, which Chromium reports; nothing else may fail.
    assert [e for e in session.console_errors if "status of 400" not in e] == []

    officer = open_as("officer.glos", bypass_csp=True).page
    officer.goto(f"/reports/{report.slug}/")
    expect(officer.locator("strong.govuk-tag", has_text="Received")).to_be_visible()
    assert officer.get_by_role("link", name="Correct the response of").count() == 0
