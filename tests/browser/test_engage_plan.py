"""A force in Engage updates its improvement plan (issue 28): West Midlands Police's liaison
officer opens the accelerated cause of concern from the home page, opens its improvement
plan, logs an update on an overdue action (marking it done) and sees the plan's progress
move, at 320 CSS pixels; the same pages are then checked at 1280 in the same browser
context. On every page nothing scrolls sideways and axe-core finds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from engage import services
from engage.models import PlanAction, PlanActionUpdate
from forces.models import Force
from forces.users import user_set_role
from recommendations import services as core
from recommendations.models import Finding, Status
from tests.browser.conftest import run_axe
from tests.factories import FindingFactory, make_item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def plan(people):
    lead, _ = user_set_role(username="lead.wm", role="liaison-lead", force_slugs=["west-midlands"])
    services.stage_set(
        force=Force.objects.get(slug="west-midlands"),
        stage="engage",
        entered_on=dt.date(2026, 1, 12),
        reason="Serious concerns about call handling.",
        meeting="PPOG 12 January 2026",
        by=people["inspector"],
    )
    item = make_item(
        force="west-midlands",
        finding=FindingFactory(
            kind=Finding.Kind.CAUSE_OF_CONCERN,
            cause_of_concern="The force does not answer calls for service quickly enough.",
            accelerated=True,
            letter_date=dt.date(2025, 11, 3),
        ),
    )
    core.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    officer = people["officer.wmp"]
    on = dt.date.today()
    done = services.plan_action_add(
        item=item,
        by=officer,
        title="Recruit 40 call handlers",
        owner="Ch Supt Khan",
        due_on=on - dt.timedelta(days=30),
    )
    services.plan_update_add(action=done, by=officer, text="All in post.", status="done")
    late = services.plan_action_add(
        item=item,
        by=officer,
        title="Publish a demand plan",
        owner="ACC Fielding",
        due_on=on - dt.timedelta(days=5),
    )
    return item, late


def check(page, width, shots, name, failures) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{name}: scrolls sideways at {width}px ({wide}px)"
    violations = run_axe(page)
    if violations:
        failures.append((name, width, violations))
    shots(page, f"{name}-{width}")


def test_a_liaison_officer_updates_a_plan_action(open_as, plan, shots) -> None:
    item, late = plan
    session = open_as("officer.wmp", viewport={"width": 320, "height": 256}, bypass_csp=True)
    page = session.page
    failures: list[object] = []
    page.goto("/")
    check(page, 320, shots, "home", failures)
    page.get_by_role("link", name="Cause of concern").first.click()
    expect(page.locator("main")).to_contain_text("Accelerated")
    expect(page.locator("main")).to_contain_text("1 of 2")
    check(page, 320, shots, "item", failures)
    page.get_by_role("link", name="See the improvement plan and its updates").click()
    check(page, 320, shots, "plan", failures)
    section = page.get_by_role("region", name="Publish a demand plan")
    section.get_by_role("link", name="Update this action").click()
    check(page, 320, shots, "update-form", failures)
    page.get_by_label("What has been done").fill("Plan published on the force's website.")
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Plan update added")
    expect(page.locator("main")).to_contain_text("2 of 2")
    check(page, 320, shots, "plan-after", failures)
    assert PlanAction.objects.get(pk=late.pk).status == "done"
    assert PlanActionUpdate.objects.filter(action=late).count() == 1

    page.set_viewport_size({"width": 1280, "height": 1024})  # the same context, wide
    page.goto(f"/engage/items/{item.pk}/plan/")
    check(page, 1280, shots, "plan", failures)
    page.get_by_role("link", name="Back to the item").click()
    check(page, 1280, shots, "item", failures)
    page.goto(f"/engage/actions/{late.pk}/update/")
    check(page, 1280, shots, "update-form", failures)
    assert failures == []
    assert session.console_errors == []
