"""The national view in a browser: a finding across forces, the report's matrix, and bulk
actions from the list, a finding's page and the chief's dashboard, with axe at each step
and at 320, 768 and 1280 CSS pixels."""

import pytest
from playwright.sync_api import expect

from forces.models import Force
from recommendations import services
from recommendations.models import ClosureProposal, Status, TrackedItem
from tests.browser.conftest import run_axe
from tests.factories import FindingFactory, make_item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
WIDTHS = (320, 768, 1280)


@pytest.fixture
def national(story, people):
    """Recommendation 9 of the story's report, issued to every force; the South West's
    copies being progressed, three of them proposed for closure by the lead."""
    finding = FindingFactory(report=story["report"], number=9)
    lead = people["lead.sw"]
    admin = people["admin"]
    proposed = []
    for force in Force.objects.police().order_by("name"):  # every police force
        item = make_item(force=force, finding=finding)
        if force.region.slug == "south-west":
            services.status_change(item=item, by=admin, to=Status.BEING_PROGRESSED)
            if force.slug in ("gloucestershire", "devon-and-cornwall"):
                services.closure_propose(
                    item=TrackedItem.objects.get(pk=item.pk),
                    by=lead,
                    reason="Seen the new mapping process working",
                    verified_by="reality-testing",
                )
                proposed.append(item.pk)
    return {"finding": finding, "proposed": proposed}


def check_axe(page, failures, state):
    violations = run_axe(page)
    if violations:
        failures.append((state, violations))


def test_the_chief_authorises_proposals_from_the_dashboard(open_as, story, national, shots):
    failures = []
    session = open_as("chief.sw", bypass_csp=True)
    page = session.page
    page.goto("/")
    check_axe(page, failures, "chief dashboard with bulk")
    page.get_by_label("Select all 2 proposals shown").check()  # JavaScript ticks each box
    for pk in national["proposed"]:
        expect(page.locator(f"#bulk-item-{pk}")).to_be_checked()
    page.get_by_role("button", name="Authorise the selected proposals").click()
    expect(page.get_by_role("heading", name="Authorise closure")).to_be_visible()
    check_axe(page, failures, "bulk details")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("a refused item does not undo the others")).to_be_visible()
    check_axe(page, failures, "bulk check")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shots(page, f"bulk-check-{width}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="2 of 2 items done")).to_be_visible()
    check_axe(page, failures, "bulk result")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shots(page, f"bulk-result-{width}")
    assert ClosureProposal.objects.filter(state="authorised").count() == 2
    assert failures == []
    assert session.console_errors == []


def test_a_lead_comments_on_several_copies_from_the_finding_page(open_as, story, national, shots):
    failures = []
    finding = national["finding"]
    session = open_as("lead.sw", bypass_csp=True)
    page = session.page
    page.goto(f"/recommendations/{national['proposed'][0]}/")
    page.get_by_role("link", name="This recommendation in other forces").click()
    expect(page.get_by_role("heading", name="Recommendation 9 in every force")).to_be_visible()
    expect(page.get_by_text("The totals below count only these forces")).to_be_visible()
    check_axe(page, failures, "finding page as lead")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shots(page, f"finding-lead-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})
    rows = TrackedItem.objects.filter(finding=finding, force__slug__in=["gloucestershire"])
    page.locator(f"#bulk-item-{rows[0].pk}").check()
    page.get_by_role("button", name="Choose an action for the selected items").click()
    check_axe(page, failures, "bulk choose")
    page.get_by_label("Add the same comment").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # nothing filled in: errors
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page, failures, "bulk details with errors")
    page.get_by_label("Comment").fill("Please send the audit results")
    page.get_by_label("Internal: only the inspectorate and the force").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="1 of 1 item done")).to_be_visible()
    assert failures == []
    # the details page with errors answers 400, which the console reports; nothing else
    assert [e for e in session.console_errors if "status of 400" not in e] == []


def test_the_inspector_sees_every_force_and_the_report_matrix(open_as, story, national, shots):
    failures = []
    session = open_as("inspector", bypass_csp=True)
    page = session.page
    page.goto(f"/findings/{national['finding'].pk}/?sort=-status")
    expect(page.get_by_role("link", name="West Midlands Police")).to_be_visible()
    check_axe(page, failures, "finding page as inspector")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shots(page, f"finding-inspector-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.goto("/reports/peel-2016/")
    expect(page.get_by_role("heading", name="By force and status")).to_be_visible()
    expect(page.get_by_role("heading", name="Lagging forces")).to_be_visible()
    check_axe(page, failures, "report with matrix")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shots(page, f"report-matrix-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert failures == []
