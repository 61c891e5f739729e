"""Passkeys (django-otp-webauthn) attacked: a password-only session cannot add a passkey
once it has a second factor, nor see, name or remove passkeys; a failed or replayed
assertion does not verify the session and is throttled; removing a passkey needs the
password again; an administrator's authenticator-app code no longer signs them in once
they have a passkey; and nobody signs in with a passkey alone.

The passkeys here are real: `Authenticator` is a software authenticator (a P-256 key
made with `cryptography`, attestation "none", signatures over the authenticator data and
the client data's hash, as the WebAuthn specification has them), so every check of
py_webauthn runs on what it makes. The browser ceremony, with Chromium's own virtual
authenticator, is tests/browser/test_passkeys.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import struct
from typing import Any

import cbor2
import pytest
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in, stepped_up
from tracker import two_factor

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"
ORIGIN = "http://localhost:8000"  # the settings' default allowed origin
RP_ID = "localhost"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """A software passkey: one credential, a P-256 key, a signature counter."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.count = 0
        self.user_handle = b""

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def register(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        """The browser's answer to navigator.credentials.create(options)."""
        self.user_handle = unb64url(options["user"]["id"])
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        attested = (
            bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        auth_data = rp_hash + bytes([0x45]) + struct.pack(">I", self.count) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def assert_(
        self, options: dict[str, Any], origin: str = ORIGIN, key: Any = None
    ) -> dict[str, Any]:
        """The browser's answer to navigator.credentials.get(options), signed with this
        passkey's key (or `key`, a forger's)."""
        self.count += 1
        rp_hash = hashlib.sha256(options.get("rpId", RP_ID).encode()).digest()
        auth_data = rp_hash + bytes([0x05]) + struct.pack(">I", self.count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = (key or self.key).sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64url(auth_data),
                "clientDataJSON": b64url(client_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def post_json(client: Client, name: str, body: Any = None):
    return client.post(
        reverse(f"otp_webauthn:{name}"),
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
    )


def add_passkey(client: Client, authenticator: Authenticator | None = None) -> Authenticator:
    """Adds a passkey through the portal's own endpoints, as the browser would."""
    authenticator = authenticator or Authenticator()
    begin = post_json(client, "credential-registration-begin")
    assert begin.status_code == 200, begin.content
    done = post_json(
        client, "credential-registration-complete", authenticator.register(begin.json())
    )
    assert done.status_code == 200, done.content
    return authenticator


def a_passkey(user) -> Authenticator:
    """Gives `user` a real passkey, added from a session that used its code."""
    return add_passkey(sign_in(Client(), user))


def use_passkey(client: Client, authenticator: Authenticator, **kwargs: Any):
    begin = post_json(client, "credential-authentication-begin")
    assert begin.status_code == 200, begin.content
    return post_json(
        client, "credential-authentication-complete", authenticator.assert_(begin.json(), **kwargs)
    )


def password_only(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def is_verified(client: Client) -> bool:
    """Whether the session reaches an ordinary page (not sent to the code page)."""
    response = client.get(reverse("recommendations:list"))
    return response.status_code == 200


@pytest.fixture(autouse=True)
def empty_throttles():
    """The passkey throttle counts in the "ratelimit" cache: each test starts with none."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def chief(make_user):
    chief = make_user("chief-of-staff", "chief")
    TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    return chief


@pytest.fixture
def admin(make_user, settings):
    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    admin = make_user("admin", "admin")
    TOTPDevice.objects.create(user=admin, name="App", confirmed=True)
    return admin


def passkey_count(user) -> int:
    return two_factor.passkey_model().objects.filter(user=user).count()


# --- A password-only session -------------------------------------------------------------


def test_a_password_only_session_cannot_add_a_passkey_when_it_has_a_second_factor(chief):
    client = password_only("chief")
    verify = reverse("two_factor_verify")
    for name in ("credential-registration-begin", "credential-registration-complete"):
        response = post_json(client, name, Authenticator().register(_fake_options(chief)))
        assert (response.status_code, response["Location"]) == (302, verify), name
    add = client.get(reverse("passkey_add"))
    assert (add.status_code, add["Location"]) == (302, verify)
    assert passkey_count(chief) == 0
    assert not is_verified(client)


def test_the_library_itself_refuses_an_unverified_session_with_a_factor(chief, settings):
    """Behind the middleware, django-otp-webauthn's own check holds too: with the URL
    let through, registration still needs a session that used its second factor."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "TwoFactorMiddleware" not in m]
    client = password_only("chief")
    begin = post_json(client, "credential-registration-begin")
    assert begin.status_code == 403
    assert "before adding a passkey" in begin.json()["detail"]
    assert passkey_count(chief) == 0


def test_a_password_only_session_cannot_see_name_or_remove_passkeys(chief):
    authenticator = a_passkey(chief)
    assert authenticator.count == 0
    passkey = two_factor.passkey_model().objects.get(user=chief)
    client = password_only("chief")
    verify = reverse("two_factor_verify")
    for method, url, data in (
        ("get", reverse("passkeys"), None),
        ("get", reverse("passkey_name", args=[passkey.pk]), None),
        ("post", reverse("passkey_name", args=[passkey.pk]), {"name": "Taken over"}),
        ("get", reverse("passkey_remove", args=[passkey.pk]), None),
        ("post", reverse("passkey_remove", args=[passkey.pk]), {}),
    ):
        response = getattr(client, method)(url, data)
        assert (response.status_code, response["Location"]) == (302, verify), (method, url)
    passkey.refresh_from_db()
    assert passkey.name != "Taken over"
    assert passkey_count(chief) == 1


def _fake_options(user) -> dict[str, Any]:
    return {
        "challenge": b64url(os.urandom(32)),
        "rp": {"id": RP_ID, "name": "x"},
        "user": {"id": b64url(os.urandom(16)), "name": user.username, "displayName": "x"},
    }


# --- Failed assertions ----------------------------------------------------------------------


def test_a_forged_assertion_does_not_verify_and_says_so(chief, caplog):
    authenticator = a_passkey(chief)
    client = password_only("chief")
    forger = ec.generate_private_key(ec.SECP256R1())
    response = use_passkey(client, authenticator, key=forger)
    assert response.status_code in (400, 422)
    assert response.json()["detail"].startswith("The passkey could not be checked")
    assert not is_verified(client)
    assert any(
        "two-factor-failed" in r.getMessage() and "passkey" in r.getMessage()
        for r in caplog.records
    )


def test_an_assertion_for_another_origin_does_not_verify(chief):
    authenticator = a_passkey(chief)
    client = password_only("chief")
    response = use_passkey(client, authenticator, origin="https://phish.example")
    assert response.status_code in (400, 422)
    assert not is_verified(client)


def test_someone_elses_passkey_does_not_verify(chief, make_user):
    other = make_user("inspector", "other")
    theirs = a_passkey(other)
    a_passkey(chief)
    client = password_only("chief")
    response = use_passkey(client, theirs)
    assert response.status_code == 403
    assert "not one added to your account" in response.json()["detail"]
    assert not is_verified(client)


def test_a_replayed_assertion_does_not_verify(chief):
    authenticator = a_passkey(chief)
    first = password_only("chief")
    begin = post_json(first, "credential-authentication-begin")
    answer = authenticator.assert_(begin.json())
    assert post_json(first, "credential-authentication-complete", answer).status_code == 200
    assert is_verified(first)
    # The same signed answer, sent again: to the same session, and to another.
    again = post_json(first, "credential-authentication-complete", answer)
    assert again.status_code == 400 and "expired" in again.json()["detail"]
    second = password_only("chief")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=5)):
        # Past the throttle's wait after that failure, so the answer itself is checked.
        post_json(second, "credential-authentication-begin")  # a new challenge
        replayed = post_json(second, "credential-authentication-complete", answer)
    assert replayed.status_code in (400, 422)
    assert not is_verified(second)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "{}",
        '{"id": "x", "rawId": "!!", "type": "public-key", "response": {}}',
        '{"id": 1, "rawId": [1], "response": "x"}',
    ],
)
def test_a_malformed_assertion_is_a_clear_refusal_not_a_server_error(chief, body):
    a_passkey(chief)
    client = password_only("chief")
    post_json(client, "credential-authentication-begin")
    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"),
        data=body,
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    assert not is_verified(client)


def test_completing_without_beginning_does_not_verify(chief):
    authenticator = a_passkey(chief)
    client = password_only("chief")
    fake = {"challenge": b64url(os.urandom(32)), "rpId": RP_ID}
    response = post_json(client, "credential-authentication-complete", authenticator.assert_(fake))
    assert response.status_code == 400
    assert "expired" in response.json()["detail"]
    assert not is_verified(client)


def test_failed_assertions_are_throttled_like_codes(chief, caplog):
    authenticator = a_passkey(chief)
    client = password_only("chief")
    forger = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(now, tick=False):
        assert use_passkey(client, authenticator, key=forger).status_code in (400, 422)
        # At once after a failure: refused before the browser is even asked.
        begin = post_json(client, "credential-authentication-begin")
        assert begin.status_code == 429
        assert "Wait a minute" in begin.json()["detail"]
    assert any("two-factor-throttled" in r.getMessage() for r in caplog.records)
    with time_machine.travel(now + dt.timedelta(seconds=2), tick=False):
        assert use_passkey(client, authenticator).status_code == 200
    assert is_verified(client)


def test_nobody_signs_in_with_a_passkey_alone(chief):
    """No passwordless sign-in: without a password first, the ceremony endpoints are
    not reached at all."""
    authenticator = a_passkey(chief)
    client = Client()
    begin = post_json(client, "credential-authentication-begin")
    assert begin.status_code == 302 and begin["Location"].startswith(reverse("login"))
    fake = {"challenge": b64url(os.urandom(32)), "rpId": RP_ID}
    complete = post_json(client, "credential-authentication-complete", authenticator.assert_(fake))
    assert complete.status_code == 302 and complete["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


# --- Removal and the administrator's passkey ------------------------------------------------


def test_removing_a_passkey_without_the_password_again_is_refused(chief, caplog):
    a_passkey(chief)
    a_passkey(chief)
    passkey = two_factor.passkey_model().objects.filter(user=chief).first()
    client = sign_in(Client(), chief)
    url = reverse("passkey_remove", args=[passkey.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("step_up"))
    assert passkey_count(chief) == 2
    assert any("passkey-remove-refused" in r.getMessage() for r in caplog.records)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=6)):
        stepped_up(client)
    # A password proof older than five minutes counts for nothing.
    assert client.post(url)["Location"].startswith(reverse("step_up"))
    assert passkey_count(chief) == 2
    stepped_up(client)
    done = client.post(url)
    assert (done.status_code, done["Location"]) == (302, reverse("passkeys"))
    assert passkey_count(chief) == 1


def test_nobody_removes_someone_elses_passkey(chief, make_user):
    other = make_user("inspector", "other")
    a_passkey(other)
    theirs = two_factor.passkey_model().objects.get(user=other)
    client = stepped_up(sign_in(Client(), chief))
    assert client.post(reverse("passkey_remove", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("passkey_name", args=[theirs.pk]), {"name": "x"}).status_code == 404
    assert passkey_count(other) == 1


def test_an_administrators_code_no_longer_signs_them_in_once_they_have_a_passkey(admin):
    from tests.tracker.test_two_factor import code_for

    a_passkey(admin)
    client = password_only("admin")
    device = TOTPDevice.objects.get(user=admin)
    response = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 400
    assert "signs in with a passkey" in response.content.decode()
    assert not is_verified(client)


def test_an_administrator_cannot_remove_their_only_passkey(admin):
    a_passkey(admin)
    passkey = two_factor.passkey_model().objects.get(user=admin)
    client = stepped_up(sign_in(Client(), admin))
    response = client.post(reverse("passkey_remove", args=[passkey.pk]))
    assert response.status_code == 409
    assert "cannot remove your only passkey" in response.content.decode()
    assert passkey_count(admin) == 1
