"""Signing in with an organisation's account through a real OpenID provider
(oidc-provider, tests/identity/oidc_providers.mjs): the code flow with PKCE, state and
nonce; people matched on (provider, sub); the role mapped from the claims at every
sign-in within the organisation's edge; no role, no data; the provider's second factor."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from identity.models import IdentityLink, IdentityProvider
from tests.factories import make_item
from tests.identity.conftest_oidc import (
    FORCE_DOMAIN,
    INSPECTORATE_DOMAIN,
    security_events,
    sign_in_via,
    start,
)

pytestmark = pytest.mark.django_db


def person(provider: IdentityProvider, sub: str):
    return IdentityLink.objects.select_related("user").get(provider=provider, sub=sub).user


def role_and_scope(user) -> tuple[list[str], list[str], str | None]:
    user.refresh_from_db()
    scope = getattr(user, "scope", None)
    return (
        list(user.groups.values_list("name", flat=True)),
        sorted(scope.forces.values_list("slug", flat=True)) if scope else [],
        scope.region.slug if scope and scope.region else None,
    )


def test_a_force_officer_signs_in_with_pkce_state_and_nonce(force_idp, oidc_providers):
    email = f"sam.jones@{FORCE_DOMAIN}"
    oidc_providers["force"].account(
        email, sub="force-sub-1", roles=["liaison-officer"], name="Sam Jones"
    )
    client = Client()
    item = make_item(force="gloucestershire")
    journey, response = sign_in_via(client, email, next_url=f"/recommendations/{item.pk}/")
    sent = parse_qs(urlsplit(journey.provider_redirect).query)
    assert journey.provider_redirect.startswith(force_idp.authorization_endpoint)
    assert sent["code_challenge_method"] == ["S256"] and len(sent["code_challenge"][0]) == 43
    assert sent["state"][0] and sent["nonce"][0] and sent["login_hint"] == [email]
    assert sent["redirect_uri"] == ["http://testserver/accounts/oidc/callback/"]
    assert (response.status_code, response["Location"]) == (302, f"/recommendations/{item.pk}/")
    user = person(force_idp, "force-sub-1")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert role_and_scope(user) == (["Force liaison officer"], ["gloucestershire"], None)
    assert (user.email, user.get_full_name()) == (email, "Sam Jones")
    assert not user.has_usable_password()
    page = client.get(f"/recommendations/{item.pk}/")
    assert page.status_code == 200 and item.finding.reference in page.content.decode()


def test_the_inspectorate_grants_its_own_roles_with_their_scope(inspectorate_idp, oidc_providers):
    real = oidc_providers["inspectorate"]
    cases = {
        "lead": (
            ["liaison-lead:gloucestershire", "liaison-lead:devon-and-cornwall"],
            (["Force liaison lead"], ["devon-and-cornwall", "gloucestershire"], None),
        ),
        "chief": (["chief-of-staff:south-west"], (["Regional chief of staff"], [], "south-west")),
        "inspector": (["inspector"], (["Inspector"], [], None)),
    }
    for name, (roles, expected) in cases.items():
        email = f"{name}@{INSPECTORATE_DOMAIN}"
        real.account(email, sub=f"insp-{name}", roles=roles, amr=["pwd", "mfa"])
        _, response = sign_in_via(Client(), email)
        assert response.status_code == 302, (name, response.content[:300])
        assert role_and_scope(person(inspectorate_idp, f"insp-{name}")) == expected, name


def test_a_force_provider_asserting_inspector_gets_only_what_it_may(
    force_idp, oidc_providers, caplog
):
    email = f"rogue@{FORCE_DOMAIN}"
    oidc_providers["force"].account(
        email,
        sub="force-rogue",
        roles=[
            "liaison-officer",
            "inspector",
            "admin",
            "chief-of-staff:south-west",
            "liaison-lead:gloucestershire",
        ],
        amr=["mfa"],
    )
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(Client(), email)
    assert response.status_code == 302
    user = person(force_idp, "force-rogue")
    assert role_and_scope(user) == (["Force liaison officer"], ["gloucestershire"], None)
    assert not user.is_staff and not user.is_superuser
    refused = {e["value"]: e for e in security_events(caplog, "identity-role-refused")}
    assert set(refused) == {
        "inspector",
        "admin",
        "chief-of-staff:south-west",
        "liaison-lead:gloucestershire",
    }
    assert refused["inspector"]["reason"] == "an inspectorate role, asserted by a force's provider"
    assert refused["inspector"]["provider"] == force_idp.name
    assert refused["inspector"]["user_id"] == user.pk


def test_a_force_provider_naming_another_force_grants_nothing(force_idp, oidc_providers, caplog):
    email = f"elsewhere@{FORCE_DOMAIN}"
    oidc_providers["force"].account(
        email, sub="force-other", roles=["liaison-officer:west-midlands"]
    )
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(Client(), email)
    assert response["Location"] == reverse("access_pending")
    assert role_and_scope(person(force_idp, "force-other")) == ([], [], None)
    [event] = security_events(caplog, "identity-role-refused")
    assert event["reason"] == "a force that is not the provider's own"


def test_the_inspectorates_provider_cannot_make_a_force_officer(
    inspectorate_idp, oidc_providers, caplog
):
    email = f"officer@{INSPECTORATE_DOMAIN}"
    oidc_providers["inspectorate"].account(
        email, sub="insp-officer", roles=["liaison-officer:gloucestershire"]
    )
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(Client(), email)
    assert response["Location"] == reverse("access_pending")
    assert security_events(caplog, "identity-role-refused")[0]["reason"] == (
        "a force role, asserted by the inspectorate's provider"
    )


def test_a_role_removed_at_the_provider_is_removed_at_the_next_sign_in(
    force_idp, oidc_providers, caplog
):
    real = oidc_providers["force"]
    email = f"leaver@{FORCE_DOMAIN}"
    item = make_item(force="gloucestershire")
    real.account(email, sub="force-leaver", roles=["liaison-officer"])
    first = Client()
    sign_in_via(first, email)
    user = person(force_idp, "force-leaver")
    assert role_and_scope(user)[0] == ["Force liaison officer"]
    real.account(email, sub="force-leaver", roles=[])
    second = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(second, email)
    assert response["Location"] == reverse("access_pending")
    assert role_and_scope(user) == ([], [], None)
    assert security_events(caplog, "identity-role-removed")[0]["user_id"] == user.pk
    # No data: every page sends them to "being set up"; that page shows nothing of anyone's.
    for path in ("/", f"/recommendations/{item.pk}/", "/recommendations/", "/api/tokens/"):
        answer = second.get(path)
        assert (answer.status_code, answer["Location"]) == (302, reverse("access_pending")), path
    pending = second.get(reverse("access_pending"))
    assert pending.status_code == 200
    assert "Your access is being set up" in pending.content.decode()
    assert item.finding.reference not in pending.content.decode()
    # The old session, signed in while the role was there, has no role now either.
    assert first.get("/")["Location"] == reverse("access_pending")


def test_people_are_matched_on_the_subject_never_the_email(force_idp, oidc_providers, make_user):
    email = f"same.name@{FORCE_DOMAIN}"
    local = make_user("inspector", "local.inspector")
    local.email = email
    local.save()
    real = oidc_providers["force"]
    real.account(email, sub="force-a", roles=["liaison-officer"])
    client = Client()
    sign_in_via(client, email)
    signed_in = person(force_idp, "force-a")
    assert signed_in.pk != local.pk
    assert client.session[SESSION_KEY] == str(signed_in.pk)
    # The same address with another subject (a reissued account) is another person.
    real.account(email, sub="force-b", roles=["liaison-officer"])
    sign_in_via(Client(), email)
    assert person(force_idp, "force-b").pk not in (local.pk, signed_in.pk)
    assert get_user_model().objects.filter(email__iexact=email).count() == 3


def test_the_providers_second_factor_counts_only_when_amr_says_so(
    inspectorate_idp, oidc_providers, settings
):
    settings.MFA_REQUIRED_ROLES = ["inspector"]
    real = oidc_providers["inspectorate"]
    real.account(
        f"with@{INSPECTORATE_DOMAIN}", sub="insp-mfa", roles=["inspector"], amr=["pwd", "mfa"]
    )
    real.account(f"without@{INSPECTORATE_DOMAIN}", sub="insp-pwd", roles=["inspector"], amr=["pwd"])
    with_mfa, without = Client(), Client()
    sign_in_via(with_mfa, f"with@{INSPECTORATE_DOMAIN}")
    sign_in_via(without, f"without@{INSPECTORATE_DOMAIN}")
    assert with_mfa.get("/").status_code == 200
    assert without.get("/")["Location"] == reverse("two_factor_setup")


def test_a_deactivated_person_is_not_signed_in(force_idp, oidc_providers):
    email = f"gone@{FORCE_DOMAIN}"
    oidc_providers["force"].account(email, sub="force-gone", roles=["liaison-officer"])
    sign_in_via(Client(), email)
    get_user_model().objects.filter(pk=person(force_idp, "force-gone").pk).update(is_active=False)
    client = Client()
    _, response = sign_in_via(client, email)
    assert response.status_code == 403
    assert "Your account is not active" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_domain_without_a_provider_keeps_the_password_sign_in(force_idp, make_user):
    make_user("inspector", "local.person")
    client = Client()
    page = client.post("/accounts/login/", {"email": "local.person@example.org"})
    assert page.status_code == 200
    assert "There is no organisation sign-in for example.org" in page.content.decode()
    bad = client.post("/accounts/login/", {"email": "not an address"})
    assert (
        bad.status_code == 400
        and "Enter an email address in the correct format" in bad.content.decode()
    )
    signed = client.post(
        "/accounts/login/", {"username": "local.person", "password": "pw-for-tests-1"}
    )
    assert signed.status_code == 302


def test_password_sign_in_is_off_for_a_providers_domain_unless_break_glass(
    force_idp, make_user, caplog
):
    local = make_user("liaison-officer", "glos.local")
    local.email = f"glos.local@{FORCE_DOMAIN}"
    local.save()
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        refused = client.post(
            "/accounts/login/", {"username": "glos.local", "password": "pw-for-tests-1"}
        )
    assert refused.status_code == 200
    assert "Your organisation signs you in with its own account" in refused.content.decode()
    assert SESSION_KEY not in client.session
    assert security_events(caplog, "password-sign-in-refused")[0]["provider"] == force_idp.name
    IdentityProvider.objects.filter(pk=force_idp.pk).update(password_sign_in=True)
    caplog.clear()
    with caplog.at_level("INFO", logger="tracker.security"):
        allowed = client.post(
            "/accounts/login/", {"username": "glos.local", "password": "pw-for-tests-1"}
        )
    assert allowed.status_code == 302
    assert security_events(caplog, "password-sign-in")[0]["username"] == "glos.local"


def test_a_rotated_signing_key_is_fetched_again(force_idp, oidc_providers):
    """The row holds an old key set (before the provider rotated): the token's key id is
    not in it, so the key set is fetched again and the sign-in goes through."""
    IdentityProvider.objects.filter(pk=force_idp.pk).update(
        jwks={
            "keys": [{"kty": "RSA", "kid": "retired-key", "use": "sig", "n": "AQAB", "e": "AQAB"}]
        },
        jwks_fetched_at="2020-01-01T00:00:00Z",
    )
    email = f"rotated@{FORCE_DOMAIN}"
    oidc_providers["force"].account(email, sub="force-rotated", roles=["liaison-officer"])
    client = Client()
    _, response = sign_in_via(client, email)
    assert response.status_code == 302 and SESSION_KEY in client.session
    force_idp.refresh_from_db()
    assert [k["kid"] for k in force_idp.jwks["keys"]] == ["force-key-1"]


def test_the_sign_in_page_offers_both_ways(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="email"' in page and 'name="username"' in page and 'name="password"' in page
    assert "Sign in with your organisation" in page


def test_a_posted_email_for_a_provider_starts_a_new_state_each_time(force_idp):
    client = Client()
    first = start(client, f"a@{FORCE_DOMAIN}")
    second = start(client, f"a@{FORCE_DOMAIN.upper()}")
    states = [parse_qs(urlsplit(j.provider_redirect).query)["state"][0] for j in (first, second)]
    assert states[0] != states[1]
    assert set(states) <= set(client.session["oidc_states"])


def test_the_sign_in_page_lets_the_form_go_to_the_providers_only(client, force_idp):
    """Browsers hold a form's redirect to the CSP's form-action: the sign-in page adds the
    providers' origins (the browser journey fails without it), and no other page does."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(force_idp.authorization_endpoint))
    login_csp = client.get("/accounts/login/")["Content-Security-Policy"]
    assert f"form-action 'self' {origin}" in login_csp
    assert origin not in client.get("/accounts/password_reset/")["Content-Security-Policy"]


def test_the_admins_password_form_is_closed_to_a_providers_people_too(force_idp, make_user):
    admin = make_user("admin", "glos.admin")
    admin.email = f"glos.admin@{FORCE_DOMAIN}"
    admin.save()
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "glos.admin", "password": "pw-for-tests-1", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "Your organisation signs you in with its own account" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_no_secret_code_or_token_reaches_the_security_log(force_idp, oidc_providers, caplog):
    real = oidc_providers["force"]
    email = f"quiet@{FORCE_DOMAIN}"
    real.account(email, sub="force-quiet", roles=["liaison-officer"])
    with caplog.at_level("INFO", logger="tracker.security"):
        journey, response = sign_in_via(Client(), email)
    assert response.status_code == 302
    code = parse_qs(urlsplit(journey.callback).query)["code"][0]
    sent = parse_qs(urlsplit(journey.provider_redirect).query)
    for secret in (real.client_secret, code, sent["nonce"][0], sent["code_challenge"][0]):
        assert secret not in caplog.text
    assert security_events(caplog, "identity-sign-in")[0]["provider"] == force_idp.name
