"""Passkeys in a real browser: Chromium's own virtual authenticator (CDP WebAuthn domain,
CTAP2, a platform authenticator with user verification) makes and uses them through
django-otp-webauthn's ceremony scripts, under the portal's strict CSP.

An administrator (who must have a passkey) signs in with their authenticator-app code,
is sent to add a passkey, adds and names it, signs out, and signs in again with the
passkey as the second factor. That journey runs with the CSP enforced: a script the CSP
blocked would be a console error, and none may appear. The pages are then checked with
axe (which has to be injected, so in a context that lets it in).
"""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from forces.users import user_set_role
from tests.browser.conftest import PASSWORD, run_axe
from tracker import two_factor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def virtual_authenticator(page):
    """Gives the page's browser a passkey-capable authenticator of its own (CDP)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, found["authenticatorId"]


def stored_credentials(cdp, authenticator_id):
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def password_step(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def passkey_settings(settings, live_server):
    """Production's rule (administrators must have a passkey), and the live server's
    origin as the one passkeys may come from."""
    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")  # a secure context, a valid RP ID
    return settings


@pytest.fixture
def admin(passkey_settings):
    user, _ = user_set_role(
        username="admin.pk",
        role="admin",
        password=PASSWORD,
        email="admin.pk@example.org",
        full_name="Alex Key",
    )
    two_factor.totp_for_new_user(user)  # an administrator from before passkeys
    return user


def test_an_administrator_adds_a_passkey_and_signs_in_with_it(open_as, shots, admin):
    tab = open_as(None)  # the CSP enforced, as people have it
    page = tab.page
    cdp, authenticator_id = virtual_authenticator(page)

    # Password and app code: then nothing but adding a passkey.
    tab.sign_in("admin.pk")
    page.wait_for_url("**/accounts/passkeys/add/")
    page.goto("/recommendations/")
    page.wait_for_url("**/accounts/passkeys/add/")
    page.get_by_role("heading", name="Add a passkey").wait_for()
    shots(page, "add-a-passkey")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url("**/accounts/passkeys/*/name/")
    assert len(stored_credentials(cdp, authenticator_id)) == 1
    passkey = two_factor.passkey_model().objects.get(user=admin)
    assert passkey.name.startswith("Passkey 1, added ")
    page.get_by_label("Name").fill("Work laptop")
    shots(page, "name-the-passkey")
    page.get_by_role("button", name="Save name").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto("/accounts/passkeys/")
    row = page.get_by_role("row", name="Work laptop")
    assert row.is_visible() and "Never" in row.inner_text()
    shots(page, "passkeys")
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url("**/accounts/login/**")

    # The second sign-in: the passkey, not a code.
    password_step(page, "admin.pk")
    page.wait_for_url("**/accounts/two-factor/")
    page.get_by_role("heading", name="Use your passkey").wait_for()
    assert page.get_by_label("Code").count() == 0
    shots(page, "use-your-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert page.get_by_role("link", name="Recommendations").first.is_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None and passkey.sign_count >= 1
    assert stored_credentials(cdp, authenticator_id)[0]["signCount"] >= 1
    assert tab.console_errors == []  # nothing the CSP blocked, no script error


def test_a_passkey_whose_signature_does_not_check_out_is_refused_clearly(open_as, shots, admin):
    """The browser's authenticator answers for the right credential but signs with another
    key (as a cloned or tampered passkey would): the server refuses it, the page says
    what to do, and the session is still not signed in."""
    tab = open_as(None)
    page = tab.page
    cdp, authenticator_id = virtual_authenticator(page)
    tab.sign_in("admin.pk")
    page.wait_for_url("**/accounts/passkeys/add/")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url("**/accounts/passkeys/*/name/")
    page.get_by_label("Name").wait_for()
    real = stored_credentials(cdp, authenticator_id)[0]
    page.context.clear_cookies()

    # The same credential id, now behind a key the portal never saw.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator_id})
    other = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    forged_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": other["authenticatorId"],
            "credential": {
                "credentialId": real["credentialId"],
                "isResidentCredential": True,
                "rpId": "localhost",
                "privateKey": base64.b64encode(forged_key).decode(),
                "userHandle": real["userHandle"],
                "signCount": 10,
            },
        },
    )
    password_step(page, "admin.pk")
    page.wait_for_url("**/accounts/two-factor/")
    page.get_by_role("button", name="Use a passkey").click()
    status = page.locator("#passkey-verification-status-message")
    status.get_by_text("The passkey could not be checked").wait_for()
    shots(page, "passkey-refused")
    assert "/accounts/two-factor/" in page.url
    page.goto("/recommendations/")
    page.wait_for_url("**/accounts/two-factor/")  # still not past the second step
    # The refused request (HTTP 422) is in the console as the browser reports it.
    assert all("422" in error for error in tab.console_errors), tab.console_errors
    tab.console_errors.clear()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_passkey_pages_are_accessible(open_as, shots, admin, width):
    """axe on every passkey page, at 320 and 1280 px (axe is injected, so the CSP is
    bypassed in this context; the journey above runs with it)."""
    viewport = {"width": width, "height": 900}
    tab = open_as(None, bypass_csp=True, viewport=viewport)
    page = tab.page
    virtual_authenticator(page)
    tab.sign_in("admin.pk")
    page.wait_for_url("**/accounts/passkeys/add/")
    page.get_by_role("button", name="Add a passkey").wait_for()
    assert run_axe(page) == []
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url("**/accounts/passkeys/*/name/")
    assert run_axe(page) == []
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save name").click()
    page.get_by_text("Enter a name for the passkey").first.wait_for()
    assert run_axe(page) == []
    shots(page, f"name-error-{width}")
    page.get_by_label("Name").fill("Phone")
    page.get_by_role("button", name="Save name").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto("/accounts/passkeys/")
    assert run_axe(page) == []
    shots(page, f"passkeys-{width}")
    page.get_by_role("link", name="Remove Phone").click()
    page.get_by_role("heading", name="Confirm your password").wait_for()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Remove the passkey “Phone”").wait_for()
    # An administrator's only passkey stays: the page says why instead of removing it.
    assert page.get_by_text("cannot remove your only passkey").is_visible()
    assert run_axe(page) == []
    shots(page, f"remove-refused-{width}")

    again = open_as(None, bypass_csp=True, viewport=viewport).page
    password_step(again, "admin.pk")
    again.wait_for_url("**/accounts/two-factor/")
    again.get_by_role("button", name="Use a passkey").wait_for()
    assert run_axe(again) == []
    shots(again, f"use-your-passkey-{width}")
    assert reverse("two_factor_recovery") in again.content()
    assert again.get_by_label("Code").count() == 0  # the app's code no longer signs them in
