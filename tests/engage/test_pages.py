"""Engage's pages: the force's monitoring stage, the item's improvement plan (on the item
page too), its forms, the closure rule on the propose page, the home page's panel and
the public site's list of forces in Engage."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from engage import services
from engage.models import MonitoringStage, PlanAction, PlanActionReview, PlanActionUpdate
from recommendations.models import ClosureProposal
from tests.conftest import sign_in

from .conftest import add_action, concern_item, put_in_engage

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(people):
    officer, lead = people["liaison-officer"], people["liaison-lead"]
    put_in_engage("gloucestershire", people["inspector"])
    item = concern_item(lead=lead, accelerated=True)
    done = add_action(item, officer, title="Recruit call handlers", due=dt.date(2026, 1, 30))
    services.plan_update_add(action=done, by=officer, text="All 40 in post.", status="done")
    late = add_action(item, officer, title="Publish a demand plan", due=dt.date(2026, 2, 1))
    add_action(item, officer, title="Audit calls", due=dt.date(2099, 1, 1))
    return item, done, late


def test_item_page_shows_the_plan_progress_and_the_accelerated_tag(client_as, plan):
    item, _done, _late = plan
    page = client_as("liaison-officer").get(reverse("recommendations:item", args=[item.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Improvement plan" in html
    assert "<strong>1 of 3</strong> actions done" in html
    assert "<strong>1</strong> overdue" in html
    assert "Accelerated" in html and "letter of 3 November 2025" in html
    assert reverse("engage:add", args=[item.pk]) in html  # the officer may add
    lead_page = client_as("liaison-lead").get(reverse("recommendations:item", args=[item.pk]))
    assert reverse("engage:add", args=[item.pk]) not in lead_page.content.decode()
    assert "Review plan progress</a> (1 update not reviewed)" in lead_page.content.decode()
    assert "Review plan progress" not in html


def test_an_area_for_improvement_has_no_plan_section(client_as, people):
    from recommendations.models import Finding
    from tests.factories import FindingFactory, make_item

    put_in_engage("gloucestershire", people["inspector"])
    afi = make_item(finding=FindingFactory(kind=Finding.Kind.AREA_FOR_IMPROVEMENT))
    html = client_as("liaison-officer").get(reverse("recommendations:item", args=[afi.pk]))
    assert "Improvement plan" not in html.content.decode()


def test_officer_adds_updates_and_lead_reviews_through_the_pages(client_as, plan, today):
    item, _done, late = plan
    officer = client_as("liaison-officer")
    added = officer.post(
        reverse("engage:add", args=[item.pk]),
        {
            "title": "Train supervisors",
            "owner": "Insp Cole",
            "due_on_0": "1",
            "due_on_1": "9",
            "due_on_2": "2026",
        },
    )
    assert added.status_code == 302 and added["Location"] == reverse("engage:plan", args=[item.pk])
    assert PlanAction.objects.filter(item=item, title="Train supervisors").exists()
    updated = officer.post(
        reverse("engage:update", args=[late.pk]),
        {
            "date_0": str(today.day),
            "date_1": str(today.month),
            "date_2": str(today.year),
            "text": "Draft written.",
            "status": "in-progress",
        },
    )
    assert updated.status_code == 302
    late.refresh_from_db()
    assert late.status == "in-progress"
    update = PlanActionUpdate.objects.get(action=late)
    lead = client_as("liaison-lead")
    plan_page = lead.get(reverse("engage:plan", args=[item.pk])).content.decode()
    assert "Draft written." in plan_page
    assert reverse("engage:review", args=[update.pk]) in plan_page
    assert (
        lead.post(reverse("engage:review", args=[update.pk]), {"comment": "Good."}).status_code
        == 302
    )
    assert PlanActionReview.objects.get(update=update).comment == "Good."
    again = lead.get(reverse("engage:plan", args=[item.pk])).content.decode()
    assert "Reviewed by" in again and "Good." in again


def test_bad_input_is_shown_on_the_form(client_as, plan, today):
    item, _done, late = plan
    officer = client_as("liaison-officer")
    page = officer.post(reverse("engage:add", args=[item.pk]), {"title": "", "owner": "x"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Enter action" in html and "Enter the due date" in html or "due date" in html
    future = today + dt.timedelta(days=2)
    page = officer.post(
        reverse("engage:update", args=[late.pk]),
        {
            "date_0": str(future.day),
            "date_1": str(future.month),
            "date_2": str(future.year),
            "text": "Tomorrow",
            "status": "done",
        },
    )
    assert page.status_code == 400
    assert "must be today or in the past" in page.content.decode()
    assert not PlanActionUpdate.objects.filter(action=late).exists()


def test_propose_closure_page_names_the_open_actions_and_records_the_reason(client_as, plan):
    item, _done, _late = plan
    lead = client_as("liaison-lead")
    url = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    form = {"reason": "Met.", "verified_by": "documents"}
    refused = lead.post(url, form)
    assert refused.status_code == 400
    assert "improvement plan has 2 open actions" in refused.content.decode()
    assert not ClosureProposal.objects.exists()
    done = lead.post(url, form | {"open_actions_reason": "The audit is business as usual."})
    assert done.status_code == 302
    page = lead.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert (
        "Proposed with 2 improvement plan actions not done: The audit is business as usual." in page
    )


def test_stage_page_history_and_form(client_as, people):
    put_in_engage("gloucestershire", people["inspector"])
    url = reverse("engage:stage", args=["gloucestershire"])
    officer_page = client_as("liaison-officer").get(url).content.decode()
    assert "in Engage since 12 January 2026" in officer_page
    assert "PPOG 12 January 2026" in officer_page
    assert "Save monitoring stage" not in officer_page
    inspector = client_as("inspector")
    assert "Save monitoring stage" in inspector.get(url).content.decode()
    bad = inspector.post(url, {"stage": "scan", "meeting": "", "reason": ""})
    assert bad.status_code == 400 and "Enter reason" in bad.content.decode()
    moved = inspector.post(
        url,
        {
            "stage": "scan",
            "entered_on_0": "1",
            "entered_on_1": "2",
            "entered_on_2": "2026",
            "meeting": "PPOG 1 February 2026",
            "reason": "Improved.",
        },
    )
    assert moved.status_code == 302
    assert MonitoringStage.objects.get(left_on__isnull=True).stage == "scan"
    assert client_as("inspector").get(url).status_code == 200
    assert "Gloucestershire" not in Client().get(reverse("monitoring:engage")).content.decode()


def test_unknown_or_non_police_force_is_not_found(client_as):
    inspector = client_as("inspector")
    assert inspector.get(reverse("engage:stage", args=["nowhere"])).status_code == 404
    assert inspector.get(reverse("engage:stage", args=["npcc"])).status_code == 404


def test_public_list_and_force_page(client, people):
    put_in_engage("gloucestershire", people["inspector"])
    listing = client.get(reverse("monitoring:engage"))
    assert listing.status_code == 200
    assert "Gloucestershire" in listing.content.decode()
    assert "12 January 2026" in listing.content.decode()
    force = client.get(reverse("monitoring:force", args=["gloucestershire"])).content.decode()
    assert "In Engage since 12 January 2026" in force
    other = client.get(reverse("monitoring:force", args=["devon-and-cornwall"])).content.decode()
    assert "In Engage" not in other


def test_a_stage_change_refreshes_the_cached_force_page(
    client, people, django_capture_on_commit_callbacks
):
    url = reverse("monitoring:force", args=["gloucestershire"])
    assert "In Engage" not in client.get(url).content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        put_in_engage("gloucestershire", people["inspector"])
    assert "In Engage since" in client.get(url).content.decode()


def test_home_page_panel_shows_forces_in_engage_with_progress(client_as, plan):
    home = client_as("inspector").get(reverse("recommendations:dashboard")).content.decode()
    assert "Forces in Engage" in home
    assert "1 of 3" in home
    assert reverse("engage:stage", args=["gloucestershire"]) in home
    officer_home = client_as("liaison-officer").get(reverse("recommendations:dashboard"))
    assert "Forces in Engage" in officer_home.content.decode()  # their own force's plan
    chief_other = sign_in(Client(), people_in_other_region())
    assert (
        "Forces in Engage"
        not in chief_other.get(reverse("recommendations:dashboard")).content.decode()
    )


def people_in_other_region():
    from forces.users import user_set_role

    user, _ = user_set_role(
        username="chief-wm", role="chief-of-staff", region_slug="west-midlands-region"
    )
    return user
