"""Engage's pages × every role (the PCC office's too) × own force / another force of the
region / a force in another region × GET and POST. The expected codes come from the
hand-written table below (what the domain says each role may do), never from the
policy; a test checks the table against the roles' permissions (forces/roles.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from engage import services
from engage.models import MonitoringStage, PlanAction, PlanActionReview, PlanActionUpdate
from forces.roles import ROLES
from forces.users import user_set_role
from tests import oracle
from tests.conftest import PEOPLE, sign_in

from .conftest import add_action, concern_item, put_in_engage

SCOPES = {
    "own": "gloucestershire",
    "same-region": "devon-and-cornwall",
    "other-region": "west-midlands",
}
OWN, EVERYWHERE, NOWHERE = oracle.OWN, oracle.EVERYWHERE, oracle.NOWHERE
# The people: the permission tests' own, and a PCC office acting for Gloucestershire's
# police and crime commissioner (it reads Gloucestershire's items).
ROLE_SCOPES = {**PEOPLE, "pcc-office": dict(role="pcc-office", force_slugs=["gloucestershire-pcc"])}
SEES = {**oracle.SEES, "pcc-office": OWN}
# Who may do what, from the domain (issue 28): an inspector or an administrator sets a
# force's monitoring stage (any force); the force's liaison officers write its plan
# (administrators too); the liaison lead reviews the updates (administrators too).
MAY = {
    "set-stage": {"inspector": EVERYWHERE, "admin": EVERYWHERE},
    "write-plan": {"liaison-officer": OWN, "admin": EVERYWHERE},
    "review-plan": {"liaison-lead": OWN, "admin": EVERYWHERE},
}
# Each page: what it does (its GET is the form), or None for a page only read. The stage
# page shows the force's history to everyone who sees the force, the form to those who
# may set it. A page only read refuses a POST (405) before anything else.
# The stage page last: moving the force back to Scan ends its plan's additions.
PAGES = {
    "engage:plan": None,
    "engage:add": "write-plan",
    "engage:change": "write-plan",
    "engage:update": "write-plan",
    "engage:review": "review-plan",
    "engage:stage": "set-stage",
}
ENGAGE_PAGES = list(PAGES)
PERMISSION = {
    "set-stage": "manage_monitoring_stage",
    "write-plan": "update_plan_action",
    "review-plan": "review_item",
}


def test_the_table_matches_the_roles_permissions():
    for what, permission in PERMISSION.items():
        holders = {slug for slug, spec in ROLES.items() if permission in spec.permissions}
        assert set(MAY[what]) == holders, what


def expected(role, scope, page, method):
    if PAGES[page] is None and method == "POST":
        return 405
    if scope not in SEES[role]:  # the item, or the force's stage: not found
        return 404
    what = PAGES[page]
    if what is None or (page == "engage:stage" and method == "GET"):
        return 200
    if scope not in MAY[what].get(role, NOWHERE):
        return 403
    return 200 if method == "GET" else 302


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
        action = add_action(item, officer)
        update = services.plan_update_add(
            action=action, by=officer, text="Begun.", status="in-progress"
        )
        made[scope] = (item, action, update)
    return made


def url_for(page, scope, world):
    item, action, update = world[scope]
    arg = {
        "engage:stage": SCOPES[scope],
        "engage:plan": item.pk,
        "engage:add": item.pk,
        "engage:change": action.pk,
        "engage:update": action.pk,
        "engage:review": update.pk,
    }[page]
    return reverse(page, args=[arg])


POSTS = {
    "engage:stage": {
        "stage": "scan",
        "entered_on_0": "1",
        "entered_on_1": "3",
        "entered_on_2": "2026",
        "meeting": "PPOG 1 March 2026",
        "reason": "Improved enough.",
    },
    "engage:plan": {},
    "engage:add": {
        "title": "Audit 200 calls",
        "owner": "DCI Bennett",
        "due_on_0": "30",
        "due_on_1": "6",
        "due_on_2": "2026",
    },
    "engage:change": {
        "title": "Audit 300 calls",
        "owner": "DCI Bennett",
        "due_on_0": "30",
        "due_on_1": "9",
        "due_on_2": "2026",
    },
    "engage:update": {
        "date_0": "2",
        "date_1": "3",
        "date_2": "2026",
        "text": "Halfway.",
        "status": "in-progress",
    },
    "engage:review": {"comment": "Seen."},
}


def snapshot():
    return (
        MonitoringStage.objects.count(),
        PlanAction.objects.count(),
        list(PlanAction.objects.order_by("pk").values_list("title", flat=True)),
        PlanActionUpdate.objects.count(),
        PlanActionReview.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_SCOPES)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_engage_pages_matrix(make_user, world, role, scope, method):
    scope_of = {k: v for k, v in ROLE_SCOPES[role].items() if k != "role"}
    client = sign_in(Client(), make_user(role, **scope_of))
    for page in PAGES:
        url = url_for(page, scope, world)
        before = snapshot()
        response = client.get(url) if method == "GET" else client.post(url, POSTS[page])
        want = expected(role, scope, page, method)
        assert response.status_code == want, (page, role, scope, method)
        changed = snapshot() != before
        assert changed == (want == 302), (page, role, scope, method)
