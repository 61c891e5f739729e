"""The API in the permission matrix: every endpoint × role × scope (own force, same
region, other region) × method, the expected status worked out from the policy table
(recommendations.policy.ACTIONS) as for the pages, and nothing changed when refused.
A sweep fails for an API route with no row here."""

import pytest
from django.urls import reverse

from api import services as token_services
from api.models import ApiToken
from recommendations import policy
from recommendations.models import ClosureProposal
from tests.api.conftest import ApiClient
from tests.conftest import PEOPLE
from tests.factories import FindingFactory, ReportFactory, make_item
from tests.recommendations.test_permissions import (  # noqa: F401  # proposer: a fixture
    SCOPES,
    _patterns,
    all_url_names,
    item_in_state_for,
    may_act,
    proposer,
    sees,
    snapshot,
)

A = policy.Action
METHODS = ["GET", "POST", "PATCH"]
# Item endpoints: (url name, {method: (policy action or None for a read, success code)}).
ITEM_ENDPOINTS = {
    "api:item": {"GET": (None, 200), "PATCH": (A.OWNER, 200)},
    "api:progress_updates": {"POST": (A.PROGRESS_UPDATE, 201)},
    "api:comments": {"POST": (A.COMMENT, 201)},
    "api:closure_proposals": {"POST": (A.PROPOSE_CLOSURE, 201)},
    "api:closure_authorise": {"POST": (A.AUTHORISE_CLOSURE, 200)},
    "api:closure_return": {"POST": (A.RETURN_CLOSURE, 200)},
    "api:closure_withdraw": {"POST": (A.WITHDRAW_CLOSURE, 200)},
    "api:item_reopen": {"POST": (A.REOPEN, 200)},
}
# The state each item endpoint's item is put in (for reads: any).
STATE_FOR = {
    "api:item": A.OWNER,
    "api:progress_updates": A.PROGRESS_UPDATE,
    "api:comments": A.COMMENT,
    "api:closure_proposals": A.PROPOSE_CLOSURE,
    "api:closure_authorise": A.AUTHORISE_CLOSURE,
    "api:closure_return": A.RETURN_CLOSURE,
    "api:closure_withdraw": A.WITHDRAW_CLOSURE,
    "api:item_reopen": A.REOPEN,
}
BODIES = {
    A.OWNER: {"owner_name": "Lee", "owner_rank": "Supt"},
    A.PROGRESS_UPDATE: {"text": "Update from the force"},
    A.COMMENT: {"text": "A comment", "visibility": "internal"},
    A.PROPOSE_CLOSURE: {"reason": "The force has met it", "verified_by": "documents"},
    A.AUTHORISE_CLOSURE: {},
    A.RETURN_CLOSURE: {"reason": "Need the audit results"},
    A.WITHDRAW_CLOSURE: {"reason": "Needs another look first"},
    A.REOPEN: {
        "reason": "The 2026 inspection found it still present",
        "public_reason": "A later inspection found the problem still present",
    },
}
# Reads of everything a signed-in person may see (no item scope): GET only.
GLOBAL_ENDPOINTS = ["api:items", "api:recipients", "api:reports", "api:report", "api:schema"]
# A finding: visible when one of its forces' copies is.
FINDING_ENDPOINTS = ["api:finding"]
# Pages for people signed in with a session (tests below), not tokens.
SESSION_PAGES = {"api:tokens", "api:token_revoke", "api:docs"}
# Engage's endpoints: their matrix is tests/api/test_engage.py.
ENGAGE_ENDPOINTS = {"api:monitoring_stage", "api:plan_actions", "api:plan_action_updates"}
TOKEN_ENDPOINTS = set(ITEM_ENDPOINTS) | set(GLOBAL_ENDPOINTS) | set(FINDING_ENDPOINTS)
TOKEN_ENDPOINTS |= ENGAGE_ENDPOINTS
API_URL_NAMES = TOKEN_ENDPOINTS | SESSION_PAGES

ROLES = list(PEOPLE)
ITEM_CASES = [
    (role, scope, name, method)
    for role in ROLES
    for scope in SCOPES
    for name in ITEM_ENDPOINTS
    for method in METHODS
]


def item_url(name, item):
    kwargs = {"pk": item.pk}
    if "closure_" in name and name != "api:closure_proposals":
        kwargs["pid"] = ClosureProposal.objects.filter(item=item).order_by("-id").first().pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("role,scope,name,method", ITEM_CASES)
def test_item_endpoint_matrix(api_as, proposer, role, scope, name, method):  # noqa: F811
    item = item_in_state_for(STATE_FOR[name], SCOPES[scope], proposer)
    before = snapshot(item)
    url = item_url(name, item)
    allowed = ITEM_ENDPOINTS[name]
    headers = {"If-Match": f'"{item.version}"'} if method == "PATCH" else None
    action = allowed.get(method, (None, None))[0]
    response = api_as(role).request(method, url, BODIES.get(action, {}), headers=headers)
    if method not in allowed:
        expected = 405  # for every item alike, so nothing leaks
    elif not sees(role, scope):
        expected = 404
    elif action is not None and not may_act(role, scope, action):
        expected = 403
    else:
        expected = allowed[method][1]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
    if action is None or expected >= 400:
        assert snapshot(item) == before
    else:
        assert snapshot(item) != before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", GLOBAL_ENDPOINTS)
@pytest.mark.parametrize("method", METHODS)
def test_global_endpoint_matrix(api_as, role, name, method):
    report = ReportFactory(slug="peel-2016")
    item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    before = snapshot(item)
    kwargs = {"slug": report.slug} if name == "api:report" else {}
    response = api_as(role).request(method, reverse(name, kwargs=kwargs), {})
    assert response.status_code == (200 if method == "GET" else 405)
    assert snapshot(item) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("method", METHODS)
def test_finding_matrix(api_as, role, scope, method):
    item = make_item(force=SCOPES[scope])
    before = snapshot(item)
    response = api_as(role).request(method, reverse("api:finding", args=[item.finding_id]), {})
    if method != "GET":
        expected = 405
    else:
        expected = 200 if sees(role, scope) else 404
    assert response.status_code == expected
    assert snapshot(item) == before


def _sample_url(name):
    pattern = next(p for p in _patterns() if p[0] == name)
    samples = {"pk": 1, "pid": 1, "slug": "x"}
    return reverse(name, kwargs={k: samples[k] for k in pattern[1]})


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TOKEN_ENDPOINTS))
@pytest.mark.parametrize("method", METHODS)
def test_no_token_is_401_everywhere(client, name, method):
    response = ApiClient(None, client).request(method, _sample_url(name), {})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TOKEN_ENDPOINTS - {"api:schema"}))
def test_a_signed_in_session_is_not_a_token(client_as, name):
    """The session cookie opens no API endpoint (so no CSRF question arises); only the
    OpenAPI document is readable with it, for the documentation page."""
    client = client_as("admin")
    assert client.get(_sample_url(name)).status_code == 401
    assert client.post(_sample_url(name), {}).status_code == 401


def test_every_api_route_is_in_the_matrix():
    api_names = {name for name in all_url_names() if name.startswith("api:")}
    assert api_names - API_URL_NAMES == set(), "API routes with no row in the matrix"
    assert API_URL_NAMES - api_names == set(), "rows for API routes that no longer exist"


# --- The session pages: API tokens and the documentation --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_token_pages_matrix(client_as, people, role):
    client = client_as(role)
    assert client.get(reverse("api:tokens")).status_code == 200
    assert client.get(reverse("api:docs")).status_code == 200
    made = client.post(reverse("api:tokens"), {"name": "Sync", "days": "30"})
    assert made.status_code == 200
    token = ApiToken.objects.get(user=people[role], name="Sync")
    other_role = "inspector" if role != "inspector" else "admin"
    other, _ = token_services.token_create(user=people[other_role], name="Theirs", days=5)
    # Someone else's token: not found, and still working.
    assert client.post(reverse("api:token_revoke", args=[other.pk])).status_code == 404
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    assert client.get(reverse("api:token_revoke", args=[token.pk])).status_code == 405
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SESSION_PAGES))
def test_session_pages_send_anonymous_people_to_sign_in(client, name):
    response = client.get(_sample_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
