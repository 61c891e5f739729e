"""The PCC response pages in a real browser: axe-core on each state (empty, with errors,
filled, the report page, the home page), recording a response with the keyboard and
the labels only, and reflow at 320 CSS pixels. Screenshots at 320, 768 and 1280 pixels."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from recommendations.models import InspectionReport
from tests.browser.conftest import ROOT, run_axe
from tests.factories import FindingFactory, make_item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def pcc_story(people):
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


def test_recording_a_response_is_accessible_and_works_without_a_mouse(open_as, pcc_story, shots):
    report = pcc_story["report"]
    form_url = f"/reports/{report.slug}/responses/gloucestershire/"
    session = open_as("officer.glos", bypass_csp=True)
    page = session.page
    failures = []

    page.goto("/")
    expect(page.get_by_text("Overdue responses (1)")).to_be_visible()
    failures += [("dashboard", v) for v in run_axe(page)]
    page.goto(f"/reports/{report.slug}/")
    failures += [("report", v) for v in run_axe(page)]
    page.get_by_role("link", name="Record the response of Gloucestershire Constabulary").click()
    page.wait_for_url(f"**{form_url}")
    failures += [("form", v) for v in run_axe(page)]
    page.get_by_role("button", name="Save response").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures += [("form with errors", v) for v in run_axe(page)]
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
    failures += [("report with a response", v) for v in run_axe(page)]
    shots(page, "report-with-response")
    assert failures == []
    # The page with errors answers 400, which Chromium reports; nothing else may fail.
    assert [e for e in session.console_errors if "status of 400" not in e] == []

    chief = open_as("chief.sw", bypass_csp=True).page
    chief.goto(f"/reports/{report.slug}/")
    expect(chief.locator("strong.govuk-tag", has_text="Received")).to_be_visible()
    assert chief.get_by_role("link", name="Correct the response of").count() == 0
    assert run_axe(chief) == []


def test_the_response_pages_reflow_at_320_css_pixels(open_as, pcc_story):
    report = pcc_story["report"]
    folder = ROOT / "test-artifacts" / "screenshots" / "pcc-responses"
    folder.mkdir(parents=True, exist_ok=True)
    for width in (320, 768, 1280):
        session = open_as("officer.glos", viewport={"width": width, "height": 900})
        page = session.page
        for url, name in (
            (f"/reports/{report.slug}/responses/gloucestershire/", "pcc-response-form"),
            (f"/reports/{report.slug}/", "report-pcc-responses"),
            ("/", "dashboard-pcc-responses"),
        ):
            page.goto(url)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{url} scrolls sideways at {width}px ({scroll}px wide)"
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
