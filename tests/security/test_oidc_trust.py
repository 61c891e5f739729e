"""Issue 27 replayed: a hostile or broken provider, and a replayed callback, against the
OpenID Connect sign-in. The provider is real (oidc-provider, tests/identity); its token
endpoint is made to misbehave for one answer (oidc_providers.mjs, "tamper"). Each is
refused on a clear page, with nobody signed in and the reason in the security log."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from identity.models import IdentityLink
from tests.identity.conftest_oidc import (
    FORCE_DOMAIN,
    at_provider,
    force_idp,  # noqa: F401  # fixtures, shared
    inspectorate_idp,  # noqa: F401
    oidc_providers,  # noqa: F401
    security_events,
    sign_in_via,
    start,
)

pytestmark = pytest.mark.django_db
EMAIL = f"pat.smith@{FORCE_DOMAIN}"


@pytest.fixture
def force_account(force_idp, oidc_providers):  # noqa: F811
    real = oidc_providers["force"]
    real.account(EMAIL, sub="force-pat", roles=["liaison-officer"], amr=["mfa"])
    yield real
    real.control(tamper=None)


def assert_refused(client: Client, response, caplog, reason: str) -> None:
    assert response.status_code == 400, response.content[:300]
    page = response.content.decode()
    assert "You are not signed in" in page
    assert "We could not sign you in with your organisation" in page
    assert SESSION_KEY not in client.session
    assert client.get("/")["Location"].startswith("/accounts/login/")
    [event] = security_events(caplog, "identity-sign-in-refused")
    assert event["reason"] == reason
    assert security_events(caplog, "sign-in") == []


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("forged", "the ID token's signature is not the provider's"),
        ("expired", "the ID token has expired"),
        ("wrong-aud", "the ID token is for another client (aud)"),
    ],
)
def test_an_id_token_the_portal_must_not_trust_is_refused(force_account, caplog, tamper, reason):
    force_account.control(tamper=tamper)
    client = Client()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert_refused(client, response, caplog, reason)
    assert not IdentityLink.objects.exists()


def test_a_replayed_state_is_refused(force_account, caplog):
    client = Client()
    journey, first = sign_in_via(client, EMAIL)
    assert first.status_code == 302 and SESSION_KEY in client.session
    client.post("/accounts/logout/")
    caplog.clear()
    with caplog.at_level("INFO", logger="tracker.security"):
        again = client.get(journey.callback_path)
    assert_refused(client, again, caplog, "state unknown, used before or from another browser")


def test_a_callback_from_another_browser_is_refused(force_account, caplog):
    """The attacker's own code and state, planted in the victim's browser (login CSRF):
    the state is not in the victim's session."""
    attacker = at_provider(start(Client(), EMAIL))
    victim = Client()
    victim.get("/accounts/login/")
    with caplog.at_level("INFO", logger="tracker.security"):
        response = victim.get(attacker.callback_path)
    assert_refused(victim, response, caplog, "state unknown, used before or from another browser")


def test_a_replayed_nonce_is_refused(force_account, caplog):
    """The provider answers a new sign-in with the ID token of an earlier one (signed,
    in date, for this client): its nonce is the earlier sign-in's."""
    sign_in_via(Client(), EMAIL)
    force_account.control(tamper="replay")
    client = Client()
    caplog.clear()
    with caplog.at_level("INFO", logger="tracker.security"):
        _, response = sign_in_via(client, EMAIL)
    assert_refused(client, response, caplog, "the ID token's nonce is not this sign-in's")


def test_a_code_cannot_be_used_with_another_browsers_state(force_account, caplog):
    """Two sign-ins in one browser: the code of one with the state of the other fails
    PKCE at the provider (the verifier is the other state's)."""
    client = Client()
    one = at_provider(start(client, EMAIL))
    two = at_provider(start(client, EMAIL))
    code = one.callback_path.split("code=")[1].split("&")[0]
    mixed = f"/accounts/oidc/callback/?code={code}&state={two.state}"
    with caplog.at_level("INFO", logger="tracker.security"):
        response = client.get(mixed)
    assert_refused(client, response, caplog, "token endpoint answered 400 (invalid_grant)")


def test_the_provider_saying_no_signs_nobody_in(force_account, caplog):
    client = Client()
    journey = start(client, EMAIL)
    state = journey.provider_redirect.split("state=")[1].split("&")[0]
    with caplog.at_level("INFO", logger="tracker.security"):
        response = client.get(f"/accounts/oidc/callback/?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "You did not sign in with your organisation" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert state not in client.session.get("oidc_states", {})


def test_a_token_naming_unknown_keys_fetches_the_key_set_at_most_once_a_minute(
    force_account, caplog
):
    """A forged token with a made-up key id makes the portal fetch the provider's keys
    again (rotation), but not at every request: an attacker cannot make it hammer the
    provider."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from identity.backends import ProviderBackend, SignInRefused
    from identity.models import IdentityProvider

    provider = IdentityProvider.objects.get()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"sub": "x"}, key, algorithm="RS256", headers={"kid": "made-up"})
    backend = ProviderBackend()
    backend.provider = provider
    fetched = provider.jwks_fetched_at
    with pytest.raises(SignInRefused, match="no key 'made-up'"):
        backend.verify_token(token, nonce="n")
    assert provider.jwks_fetched_at == fetched  # fetched by the command just now: not again
    # Symmetric (the client secret as a key) and unsigned tokens are never accepted.
    for bad in (
        jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256", headers={"kid": "force-key-1"}),
        jwt.encode({"sub": "x"}, None, algorithm="none"),
    ):
        with pytest.raises(SignInRefused, match="is not accepted"):
            backend.verify_token(bad, nonce="n")


@pytest.mark.parametrize(
    "email",
    ["", "x" * 5000 + "@example.org", "a@b@c", "\x00@x.example", "a@\u202e.example", "@", "a@"],
)
def test_hostile_email_values_are_form_errors(force_idp, email):  # noqa: F811
    response = Client().post("/accounts/login/", {"email": email})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=",
        "code=x",
        "state=x&code=y",
        "state=%00&code=%ff",
        "error=" + "x" * 5000,
        "state[]=a&code[]=b",
    ],
)
def test_hostile_callbacks_are_refused_pages(force_idp, query):  # noqa: F811
    client = Client()
    response = client.get(f"/accounts/oidc/callback/?{query}")
    assert response.status_code == 400
    assert "You" in response.content.decode() and SESSION_KEY not in client.session


def test_a_hostile_code_with_a_real_state_is_refused(force_account):
    client = Client()
    journey = at_provider(start(client, EMAIL))
    response = client.get(f"/accounts/oidc/callback/?code={'A' * 10000}&state={journey.state}")
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
