"""The API's Engage endpoints (issue 28): a force's monitoring stage and an item's plan
actions, read-only; plan-action updates, a write. Every role (the PCC office's too) ×
own force / same region / other region, with the codes from the hand-written table of
tests/engage/test_permissions.py."""

import datetime as dt

import pytest
from django.urls import reverse

from engage import services
from engage.models import PlanActionUpdate
from forces.users import user_set_role
from tests.api.conftest import ApiClient
from tests.engage.conftest import add_action, concern_item, put_in_engage
from tests.engage.test_permissions import MAY, ROLE_SCOPES, SCOPES, SEES

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    setter, _ = user_set_role(username="ppog", role="inspector")
    made = {}
    for scope, slug in SCOPES.items():
        put_in_engage(slug, setter)
        lead, _ = user_set_role(username=f"lead-{slug}", role="liaison-lead", force_slugs=[slug])
        officer, _ = user_set_role(
            username=f"officer-{slug}", role="liaison-officer", force_slugs=[slug]
        )
        item = concern_item(slug, lead=lead)
        action = add_action(item, officer, due=dt.date(2026, 2, 1))
        services.plan_update_add(action=action, by=officer, text="Begun.", status="in-progress")
        made[scope] = (item, action)
    return made


@pytest.mark.parametrize("role", ROLE_SCOPES)
@pytest.mark.parametrize("scope", SCOPES)
def test_engage_endpoints_matrix(make_user, token_for, world, role, scope):
    scope_of = {k: v for k, v in ROLE_SCOPES[role].items() if k != "role"}
    api = ApiClient(token_for(make_user(role, **scope_of))[1])
    item, action = world[scope]
    sees = scope in SEES[role]

    stage = api.get(reverse("api:monitoring_stage", args=[SCOPES[scope]]))
    assert stage.status_code == (200 if sees else 404)
    if sees:
        body = stage.json()
        assert (body["force"], body["stage"], body["since"]) == (
            SCOPES[scope],
            "engage",
            "2026-01-12",
        )
        assert body["history"][0]["meeting"] == "PPOG 12 January 2026"
    plan = api.get(reverse("api:plan_actions", args=[item.pk]))
    assert plan.status_code == (200 if sees else 404)
    if sees:
        (row,) = plan.json()
        assert (row["title"], row["status"], row["overdue"]) == (
            "Train 40 call handlers",
            "in-progress",
            True,
        )
        assert [u["text"] for u in row["updates"]] == ["Begun."]
    # The write: the force's liaison officers (and administrators).
    url = reverse("api:plan_action_updates", args=[action.pk])
    before = PlanActionUpdate.objects.count()
    written = api.post(url, {"text": "Finished.", "status": "done"})
    if not sees:
        want = 404
    elif scope not in MAY["write-plan"].get(role, frozenset()):
        want = 403
    else:
        want = 201
    assert written.status_code == want, written.content
    assert PlanActionUpdate.objects.count() == before + (want == 201)
    if want == 201:
        assert written.json()["status"] == "done"
        assert written.json()["overdue"] is False
    else:
        assert written["Content-Type"] == "application/problem+json"
    # The read endpoints take no write.
    assert api.post(reverse("api:plan_actions", args=[item.pk])).status_code == 405 or not sees


def test_bad_update_is_a_clear_422(api_as, world, make_user):
    _item, action = world["own"]
    api = api_as("liaison-officer")
    for body, field in [
        ({"text": "x", "status": "finished"}, "status"),
        ({"status": "done"}, "text"),
        ({"text": "bad\u202etext", "status": "done"}, "text"),
        ({"text": "x", "status": "done", "date": "2999-01-01"}, "date"),
    ]:
        response = api.post(reverse("api:plan_action_updates", args=[action.pk]), body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.content.decode()
    assert PlanActionUpdate.objects.filter(action=action).count() == 1


def test_a_force_never_in_engage_is_in_scan(api_as, make_user):
    body = api_as("liaison-officer").get(reverse("api:monitoring_stage", args=["gloucestershire"]))
    assert body.json() == {
        "force": "gloucestershire",
        "stage": "scan",
        "since": None,
        "history": [],
    }
    assert (
        api_as("inspector").get(reverse("api:monitoring_stage", args=["npcc"])).status_code == 404
    )


def test_proposing_closure_with_open_actions_needs_a_reason_through_the_api(api_as, world):
    item, _action = world["own"]
    api = api_as("liaison-lead")
    url = reverse("api:closure_proposals", args=[item.pk])
    refused = api.post(url, {"reason": "Met.", "verified_by": "documents"})
    assert refused.status_code == 422
    assert "1 open action" in refused.content.decode()
    made = api.post(
        url, {"reason": "Met.", "verified_by": "documents", "open_actions_reason": "Routine now."}
    )
    assert made.status_code == 201, made.content
