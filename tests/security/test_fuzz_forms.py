"""A property-based fuzz (Hypothesis) of every form field of every form page.

For each page: the form is read off the page as a person's browser would see it, filled
as the page fills it, then one field at a time is given a hostile value (control
characters, very long, Unicode look-alikes, portal markup, or bytes that are not UTF-8).
Whatever the value: never a 500; on refusal nothing is stored; on success nothing
unclean is stored. Item actions come from the policy's table, so a new action is fuzzed
without a change here (and the test fails if it cannot reach one).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage import services as engage_services
from recommendations import actions, services
from recommendations.models import Status, TrackedItem
from tests.conftest import sign_in, stepped_up
from tests.factories import FindingFactory, ReportFactory, make_item
from tests.security.formfuzz import NOT_UTF8, hostile, page_form, snapshot, unclean_rows

pytestmark = pytest.mark.django_db
ROLES = ["liaison-officer", "liaison-lead", "chief-of-staff", "inspector", "admin"]
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a failure here is reproducible
)


@pytest.fixture
def world(people):
    lead = people["liaison-lead"]
    report = ReportFactory(slug="fuzz-report", kind="force", response_required=True)
    fresh = make_item(force="gloucestershire", finding=FindingFactory(report=report), lead=lead)
    proposed = make_item(force="gloucestershire", lead=lead)
    services.status_change(item=proposed, by=lead, to=Status.BEING_PROGRESSED)
    services.closure_propose(item=proposed, by=lead, reason="Met", verified_by="documents")
    progressed = make_item(force="gloucestershire", lead=lead)
    services.status_change(item=progressed, by=lead, to=Status.BEING_PROGRESSED)
    closed = make_item(force="gloucestershire", lead=lead)  # for reopening
    services.no_further_action(item=closed, by=people["admin"], reason="Superseded")
    # ... with a re-check date, for recording the re-check.
    TrackedItem.objects.filter(pk=closed.pk).update(recheck_on=closed.last_entry_on)
    # A force in Engage with an improvement plan: an action with an update to review.
    engage_services.stage_set(
        force=fresh.force,
        stage="engage",
        entered_on=dt.date.today(),
        reason="Serious concern",
        meeting="PPOG",
        by=people["admin"],
    )
    plan_action = engage_services.plan_action_add(
        item=fresh,
        by=people["liaison-officer"],
        title="Train the staff",
        owner="Head of training",
        due_on=dt.date.today() + dt.timedelta(days=30),
    )
    plan_update = engage_services.plan_update_add(
        action=plan_action, by=people["liaison-officer"], text="Begun", status="in-progress"
    )
    return {
        "plan_action": plan_action,
        "plan_update": plan_update,
        "fresh": fresh,
        "proposed": proposed,
        "progressed": progressed,
        "closed": closed,
        "report": report,
    }


def client_for(people, role: str) -> Client:
    client = sign_in(Client(raise_request_exception=False), people[role])
    return stepped_up(client)


def reachable_action(people, world, action: str) -> tuple[str, str]:
    for item in (world["fresh"], world["progressed"], world["proposed"], world["closed"]):
        url = reverse("recommendations:action", args=[item.pk, action])
        for role in ROLES:
            if client_for(people, role).get(url).status_code == 200:
                return url, role
    raise AssertionError(f"no role reaches the {action} page: the fuzz cannot cover it")


def other_pages(world) -> list[tuple[str, str]]:
    report = world["report"]
    return [
        (reverse("recommendations:report_new"), "admin"),
        (reverse("recommendations:finding_new", args=[report.slug]), "admin"),
        (reverse("recommendations:force_lead", args=["gloucestershire"]), "admin"),
        (reverse("recommendations:import"), "liaison-lead"),
        (reverse("responses:record", args=[report.slug, "gloucestershire"]), "liaison-lead"),
        (reverse("savedsearches:new") + "?status=open", "inspector"),
        (reverse("api:tokens"), "inspector"),
        (reverse("password_change"), "liaison-officer"),
        (reverse("step_up"), "admin"),
        (reverse("engage:stage", args=["west-midlands"]), "admin"),
        (reverse("engage:add", args=[world["fresh"].pk]), "liaison-officer"),
        (reverse("engage:change", args=[world["plan_action"].pk]), "liaison-officer"),
        (reverse("engage:update", args=[world["plan_action"].pk]), "liaison-officer"),
        (reverse("engage:review", args=[world["plan_update"].pk]), "liaison-lead"),
        (reverse("language"), "liaison-officer"),
    ]


def read_form(client: Client, url: str) -> dict[str, str]:
    """The fields the page's form posts, as the page fills them."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    form = page_form(page.content.decode(), url.split("?")[0])
    fields: dict[str, str] = dict(form["fields"])  # type: ignore[call-overload]  # the reader's fields
    fields.pop("csrfmiddlewaretoken", None)
    assert fields, f"{url}: no fields read off the page"
    return fields


def fuzz_page(client: Client, url: str, form: dict[str, str], data: st.DataObject) -> None:
    fields = dict(form)
    name = data.draw(st.sampled_from(sorted(fields)), label="field")
    raw = data.draw(st.booleans(), label="raw bytes")
    with transaction.atomic():
        before, dirty = snapshot(), set(unclean_rows())
        if raw:
            body = "&".join(
                f"{quote(k)}={data.draw(st.sampled_from(NOT_UTF8)) if k == name else quote(v)}"
                for k, v in fields.items()
            )
            response = client.generic(
                "POST", url, body, content_type="application/x-www-form-urlencoded"
            )
        else:
            fields[name] = data.draw(hostile, label="value")
            response = client.post(url, fields)
        assert response.status_code < 500, (url, name, response.status_code)
        if response.status_code >= 400:
            assert snapshot() == before, (url, name, "stored something on refusal")
        assert set(unclean_rows()) - dirty == set(), (url, name)
        transaction.set_rollback(True)


@pytest.mark.parametrize("action", [a.value for a in actions.REGISTRY])
def test_every_item_action_form(people, world, action):
    url, role = reachable_action(people, world, action)
    client = client_for(people, role)
    form = read_form(client, url)

    @FUZZ
    @given(data=st.data())
    def run(data):
        fuzz_page(client, url, form, data)

    run()


@pytest.mark.parametrize("index", range(15))
def test_every_other_form(people, world, index):
    url, role = other_pages(world)[index]
    client = client_for(people, role)
    form = read_form(client, url)

    @FUZZ
    @given(data=st.data())
    def run(data):
        fuzz_page(client, url, form, data)

    run()
