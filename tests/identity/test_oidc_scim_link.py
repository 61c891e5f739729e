"""A person provisioned by SCIM who then signs in through their organisation's OpenID
provider is one account, not two: their first sign-in is linked, by the ID token's `oid`
(Entra's objectId) equal to the SCIM `externalId`, to the person their own organisation
provisioned; so a SCIM deactivation (a leaver) stops the OpenID sign-in too. Never
another organisation's person, never on the e-mail address. The provider is real
(oidc-provider, tests/identity/oidc_providers.mjs), and so is SCIM (/scim/v2/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from identity.models import IdentityLink, IdentityProvider
from scim.models import ScimIdentity
from tests.identity.conftest_oidc import (
    FORCE_DOMAIN,
    INSPECTORATE_DOMAIN,
    add_provider,
    security_events,
    sign_in_via,
)
from tests.scim.helpers import ScimClient, client_for, patch_body, user_body

pytestmark = pytest.mark.django_db
EMAIL = f"sam.jones@{FORCE_DOMAIN}"
OID = "6f1d2c3b-0a9e-4b7c-8d5e-2f4a1b3c5d7e"


def provisioned(scim: ScimClient, username: str, external_id: str, **more: Any) -> Any:
    """A person the organisation's SCIM client creates, as Entra does: the account."""
    response = scim.post("/Users", user_body(username, externalId=external_id, **more))
    assert response.status_code == 201, response.content[:400]
    return ScimIdentity.objects.select_related("user").get(scim_id=response.json()["id"]).user


def deactivate(scim: ScimClient, user: Any, how: str = "patch") -> None:
    path = f"/Users/{user.scim_identity.scim_id}"
    if how == "delete":
        response = scim.delete(path)
    else:  # as Microsoft Entra sends it
        response = scim.patch(
            path, patch_body({"op": "Replace", "path": "active", "value": "False"})
        )
    assert response.status_code in (200, 204), response.content[:400]


def groups(user: Any) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def accounts() -> int:
    return get_user_model().objects.count()


def test_a_scim_person_signing_in_is_the_same_account(force_idp, oidc_providers, caplog):
    glos = client_for("gloucestershire")
    person = provisioned(glos, "sam.jones", OID)
    before = accounts()
    oidc_providers["force"].account(
        EMAIL, sub="entra-pairwise-sub", oid=OID, roles=["liaison-officer"], name="Sam Jones"
    )
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 302, response.content[:300]
    assert client.session[SESSION_KEY] == str(person.pk)
    assert accounts() == before  # no second account
    link = IdentityLink.objects.get(provider=force_idp, sub="entra-pairwise-sub")
    assert link.user_id == person.pk
    [linked] = security_events(caplog, "identity-person-linked")
    assert (linked["external_id"], linked["sub"]) == (OID, "entra-pairwise-sub")
    assert security_events(caplog, "identity-person-created") == []
    assert groups(person) == ["Force liaison officer"]
    # The next sign-in finds the link: the same account again, one link.
    again = Client()
    sign_in_via(again, EMAIL)
    assert again.session[SESSION_KEY] == str(person.pk)
    assert IdentityLink.objects.filter(user=person).count() == 1
    assert accounts() == before


def test_the_roles_are_still_the_claims_within_the_organisations_edge(
    force_idp, oidc_providers, caplog
):
    """Linking grants nothing by itself: a force provider asserting `inspector` for its
    SCIM-provisioned officer gets no role (and the officer's role goes, as the claims
    grant none)."""
    person = provisioned(client_for("gloucestershire"), "sam.jones", OID)
    assert groups(person) == ["Force liaison officer"]
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["inspector"])
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        sign_in_via(client, EMAIL)
    assert client.session[SESSION_KEY] == str(person.pk)
    assert groups(person) == []
    assert client.get("/")["Location"] == reverse("access_pending")
    [refused] = security_events(caplog, "identity-role-refused")
    assert refused["value"] == "inspector"


def test_a_scim_deactivation_stops_the_next_sign_in(force_idp, oidc_providers, caplog):
    glos = client_for("gloucestershire")
    person = provisioned(glos, "sam.jones", OID)
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    working = Client()
    sign_in_via(working, EMAIL)
    assert working.get(reverse("recommendations:dashboard")).status_code == 200
    before = accounts()
    deactivate(glos, person)
    # The live session has ended...
    page = working.get(reverse("recommendations:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    # ...and the next sign-in through the provider is refused, with no new account.
    client = Client()
    caplog.clear()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 403
    assert "Your account is not active" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert accounts() == before
    assert IdentityLink.objects.filter(provider=force_idp).count() == 1
    [event] = security_events(caplog, "identity-sign-in-refused")
    assert event["reason"] == "the account is not active"
    assert len(security_events(caplog, "identity-leaver-refused")) == 1
    assert security_events(caplog, "identity-sign-in") == []
    # Nothing about the leaver changed at the refused sign-in (their role stays, for
    # the record; their account stays inactive).
    person.refresh_from_db()
    assert not person.is_active and groups(person) == ["Force liaison officer"]


@pytest.mark.parametrize("how", ["patch", "delete"])
def test_a_leaver_who_never_signed_in_is_refused_and_no_account_is_made(
    how, force_idp, oidc_providers, caplog
):
    glos = client_for("gloucestershire")
    person = provisioned(glos, "sam.jones", OID)
    deactivate(glos, person, how)
    before = accounts()
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 403
    assert "Your account is not active" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert accounts() == before
    assert not IdentityLink.objects.exists()
    [leaver] = security_events(caplog, "identity-leaver-refused")
    assert (leaver["external_id"], leaver["sub"]) == (OID, "s-1")
    assert leaver["username"] == person.username


@pytest.mark.parametrize("organisation", ["west-midlands", None])
def test_another_organisations_scim_person_is_never_linked(
    organisation, force_idp, oidc_providers, caplog
):
    """West Midlands' (or the inspectorate's) person with the same externalId, active
    or a leaver, is neither linked to nor blocks Gloucestershire's sign-in."""
    other_scim = client_for(organisation)
    other = provisioned(other_scim, "someone.else", OID)
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 302
    signed_in = IdentityLink.objects.get(provider=force_idp, sub="s-1").user
    assert signed_in.pk != other.pk
    assert signed_in.username.startswith("sso-")
    assert security_events(caplog, "identity-person-linked") == []
    assert IdentityLink.objects.filter(user=other).count() == 0
    # Their leaver does not block it either.
    deactivate(other_scim, other)
    again = Client()
    _, response = sign_in_via(again, EMAIL)
    assert again.session[SESSION_KEY] == str(signed_in.pk)


def test_the_inspectorates_provider_never_links_a_forces_person(inspectorate_idp, oidc_providers):
    force_person = provisioned(client_for("gloucestershire"), "sam.jones", OID)
    email = f"sam.jones@{INSPECTORATE_DOMAIN}"
    oidc_providers["inspectorate"].account(email, sub="i-1", oid=OID, roles=["inspector"])
    client = Client()
    sign_in_via(client, email)
    signed_in = IdentityLink.objects.get(provider=inspectorate_idp, sub="i-1").user
    assert signed_in.pk != force_person.pk
    assert groups(force_person) == ["Force liaison officer"]
    assert groups(signed_in) == ["Inspector"]


def test_an_inspectorate_scim_person_is_linked_by_the_inspectorates_provider(
    inspectorate_idp, oidc_providers
):
    person = provisioned(
        client_for(None),
        "pat.inspector",
        OID,
        emails=[{"value": f"pat@{INSPECTORATE_DOMAIN}", "primary": True}],
    )
    assert groups(person) == []  # the inspectorate's token grants no role
    email = f"pat@{INSPECTORATE_DOMAIN}"
    oidc_providers["inspectorate"].account(email, sub="i-1", oid=OID, roles=["inspector"])
    client = Client()
    sign_in_via(client, email)
    assert client.session[SESSION_KEY] == str(person.pk)
    assert groups(person) == ["Inspector"]  # from the claims, within the inspectorate's edge


def test_people_are_matched_on_the_external_id_never_the_email(force_idp, oidc_providers):
    """The SCIM person has the same address as the person signing in, and another
    externalId: another person."""
    person = provisioned(client_for("gloucestershire"), "sam.jones", "another-object-id")
    assert person.email == EMAIL
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    client = Client()
    sign_in_via(client, EMAIL)
    assert client.session[SESSION_KEY] != str(person.pk)
    assert not IdentityLink.objects.filter(user=person).exists()


def test_an_id_token_without_the_claim_is_never_linked(force_idp, oidc_providers, caplog):
    person = provisioned(client_for("gloucestershire"), "sam.jones", OID)
    oidc_providers["force"].account(EMAIL, sub=OID, roles=["liaison-officer"])  # no oid
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        sign_in_via(client, EMAIL)
    assert client.session[SESSION_KEY] != str(person.pk)
    [missing] = security_events(caplog, "identity-external-id-missing")
    assert missing["claim"] == "oid"


def test_the_claim_is_the_providers_own(force_idp, oidc_providers):
    """`sub` only when the provider is set up so (a provider whose `sub` is the
    directory's id); blank: never linked."""
    person = provisioned(client_for("gloucestershire"), "sam.jones", "the-sub")
    IdentityProvider.objects.filter(pk=force_idp.pk).update(external_id_claim="")
    oidc_providers["force"].account(EMAIL, sub="the-sub", oid="the-sub", roles=["liaison-officer"])
    first = Client()
    sign_in_via(first, EMAIL)
    assert first.session[SESSION_KEY] != str(person.pk)
    IdentityLink.objects.all().delete()
    IdentityProvider.objects.filter(pk=force_idp.pk).update(external_id_claim="sub")
    oidc_providers["force"].account(EMAIL, sub="the-sub", roles=["liaison-officer"])
    second = Client()
    sign_in_via(second, EMAIL)
    assert second.session[SESSION_KEY] == str(person.pk)


def test_the_command_takes_the_claim(oidc_providers):
    provider = add_provider(
        oidc_providers["force"],
        "Gloucestershire Constabulary",
        domain=FORCE_DOMAIN,
        organisation=["--force", "gloucestershire"],
        external_id_claim="sub",
    )
    assert provider.external_id_claim == "sub"


def test_two_scim_people_with_one_external_id_are_refused(force_idp, oidc_providers, caplog):
    glos = client_for("gloucestershire")
    provisioned(glos, "sam.jones", OID)
    provisioned(glos, "sam.jones2", OID)
    before = accounts()
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert accounts() == before and not IdentityLink.objects.exists()
    [event] = security_events(caplog, "identity-scim-link-refused")
    assert event["reason"] == "more than one SCIM person has this externalId"


def test_a_rehired_person_is_the_live_one(force_idp, oidc_providers):
    """Deleted by SCIM, then provisioned again with the same externalId (a new
    userName, as the old one stays taken): the live account is the person."""
    glos = client_for("gloucestershire")
    old = provisioned(glos, "sam.jones", OID)
    deactivate(glos, old, "delete")
    new = provisioned(glos, "sam.jones.2", OID)
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    client = Client()
    sign_in_via(client, EMAIL)
    assert client.session[SESSION_KEY] == str(new.pk)


def test_a_scim_person_already_linked_is_not_linked_to_another_subject(
    force_idp, oidc_providers, caplog
):
    person = provisioned(client_for("gloucestershire"), "sam.jones", OID)
    real = oidc_providers["force"]
    real.account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    sign_in_via(Client(), EMAIL)
    before = accounts()
    real.account(EMAIL, sub="s-2", oid=OID, roles=["liaison-officer"])
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert accounts() == before
    assert list(IdentityLink.objects.values_list("sub", "user")) == [("s-1", person.pk)]
    [event] = security_events(caplog, "identity-scim-link-refused")
    assert event["reason"] == "the SCIM person is already linked to a provider's subject"


def test_an_inactive_persons_session_signs_nobody_in(force_idp, oidc_providers):
    """However they were deactivated (here the row alone, as a session store SCIM cannot
    list would leave it), a signed-in person whose account is inactive is signed out at
    their next request."""
    oidc_providers["force"].account(EMAIL, sub="s-1", oid=OID, roles=["liaison-officer"])
    client = Client()
    sign_in_via(client, EMAIL)
    assert client.get(reverse("recommendations:dashboard")).status_code == 200
    get_user_model().objects.filter(identity_links__sub="s-1").update(is_active=False)
    page = client.get(reverse("recommendations:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
