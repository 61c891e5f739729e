"""Issue 27 replayed: a leaver. A person provisioned by their force's SCIM and signed in
through the force's OpenID provider is one account; when SCIM deactivates them (Entra's
`active: "False"`, or DELETE) their session and API token end, and no sign-in through the
provider gets them back in: not with the subject already linked, not with a new subject
for the same directory object (a re-registered application), and no new account is
made for them. Another organisation's provider cannot take over the person either. The
provider (oidc-provider) and SCIM (/scim/v2/) are real."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from api import services as api_services
from identity.models import IdentityLink
from scim.models import ScimIdentity
from tests.identity.conftest_oidc import (
    FORCE_DOMAIN,
    INSPECTORATE_DOMAIN,
    force_idp,  # noqa: F401  # fixtures, shared
    inspectorate_idp,  # noqa: F401
    oidc_providers,  # noqa: F401
    security_events,
    sign_in_via,
)
from tests.scim.helpers import client_for, patch_body, user_body

pytestmark = pytest.mark.django_db
EMAIL = f"lee.ver@{FORCE_DOMAIN}"
OID = "0b7e5d1a-8c2f-4e9b-a1d3-6c5f7e9a2b4d"


@pytest.fixture
def leaver_at_work(force_idp, oidc_providers):  # noqa: F811
    """A Gloucestershire officer provisioned by SCIM, signed in through the force's
    provider (linked by `oid`), with an API token: (SCIM client, person, browser, API)."""
    glos = client_for("gloucestershire")
    response = glos.post(
        "/Users",
        user_body("lee.ver", externalId=OID, emails=[{"value": EMAIL, "primary": True}]),
    )
    assert response.status_code == 201
    person = ScimIdentity.objects.get(scim_id=response.json()["id"]).user
    oidc_providers["force"].account(EMAIL, sub="sub-1", oid=OID, roles=["liaison-officer"])
    browser = Client()
    _, answer = sign_in_via(browser, EMAIL)
    assert answer.status_code == 302 and browser.session[SESSION_KEY] == str(person.pk)
    assert browser.get(reverse("recommendations:dashboard")).status_code == 200
    _token, secret = api_services.token_create(user=person, name="Sync", days=30)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/items/").status_code == 200
    return glos, person, browser, api


def _refused_as_leaver(caplog, oidc_providers, sub: str) -> None:  # noqa: F811
    oidc_providers["force"].account(EMAIL, sub=sub, oid=OID, roles=["liaison-officer"])
    before = get_user_model().objects.count()
    links = list(IdentityLink.objects.values_list("provider", "sub", "user"))
    client = Client()
    caplog.clear()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 403, response.content[:300]
    assert "Your account is not active" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(reverse("recommendations:dashboard"))["Location"].startswith(reverse("login"))
    assert get_user_model().objects.count() == before  # no account made for the leaver
    assert list(IdentityLink.objects.values_list("provider", "sub", "user")) == links
    assert len(security_events(caplog, "identity-leaver-refused")) == 1
    assert len(security_events(caplog, "identity-sign-in-refused")) == 1
    assert security_events(caplog, "sign-in") == []
    assert security_events(caplog, "identity-person-created") == []


@pytest.mark.parametrize("how", ["patch-active-false", "delete"])
def test_a_leaver_cannot_sign_in_again_through_the_provider(
    how,
    leaver_at_work,
    oidc_providers,  # noqa: F811
    caplog,
):
    glos, person, browser, api = leaver_at_work
    path = f"/Users/{person.scim_identity.scim_id}"
    if how == "delete":
        response = glos.delete(path)
    else:
        response = glos.patch(
            path, patch_body({"op": "Replace", "path": "active", "value": "False"})
        )
    assert response.status_code in (200, 204)
    # Their live session and API token are over at once...
    page = browser.get(reverse("recommendations:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert api.get("/api/v1/items/").status_code == 401
    assert not any(
        s.get_decoded().get(SESSION_KEY) == str(person.pk) for s in Session.objects.all()
    )
    # ...the subject already linked gets nothing...
    _refused_as_leaver(caplog, oidc_providers, sub="sub-1")
    # ...nor a new subject for the same person (the application registered again).
    _refused_as_leaver(caplog, oidc_providers, sub="sub-after-re-registration")
    person.refresh_from_db()
    assert not person.is_active


def test_a_leavers_session_kept_elsewhere_signs_nobody_in(leaver_at_work):
    """A session SCIM could not end (here: saved again after the deactivation, as a
    store SCIM cannot list would keep it) is refused at the next request: the provider
    backend never returns an inactive person."""
    _glos, person, browser, _api = leaver_at_work
    session_key = browser.session.session_key
    get_user_model().objects.filter(pk=person.pk).update(is_active=False)  # no sessions_end
    assert Session.objects.filter(session_key=session_key).exists()
    page = browser.get(reverse("recommendations:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_a_force_provider_cannot_take_over_the_inspectorates_scim_person(
    force_idp,  # noqa: F811
    inspectorate_idp,  # noqa: F811
    oidc_providers,  # noqa: F811
    caplog,
):
    """The inspectorate provisioned an inspector-to-be with externalId X; a force's
    provider asserting `oid` X (and `inspector`) makes its own, role-less person."""
    inspectorate = client_for(None)
    response = inspectorate.post(
        "/Users",
        user_body(
            "an.inspector",
            externalId=OID,
            emails=[{"value": f"an.inspector@{INSPECTORATE_DOMAIN}", "primary": True}],
        ),
    )
    assert response.status_code == 201
    target = ScimIdentity.objects.get(scim_id=response.json()["id"]).user
    oidc_providers["force"].account(EMAIL, sub="hostile", oid=OID, roles=["inspector"])
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        sign_in_via(client, EMAIL)
    assert client.session[SESSION_KEY] != str(target.pk)
    assert not IdentityLink.objects.filter(user=target).exists()
    assert security_events(caplog, "identity-person-linked") == []
    [refused] = security_events(caplog, "identity-role-refused")
    assert refused["value"] == "inspector"
    assert client.get("/")["Location"] == reverse("access_pending")
