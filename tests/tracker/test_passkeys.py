"""Passkeys (django-otp-webauthn) as a second factor: adding, naming, listing and removing
them, signing in with one exactly as with a code, the administrators' requirement, the
middleware's allow-lists, the settings, and the pages under the strict CSP. The passkeys
are real ones from the software authenticator in tests/security/test_passkeys.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in, stepped_up
from tests.security.test_passkeys import (
    Authenticator,
    add_passkey,
    password_only,
    post_json,
    use_passkey,
)
from tracker import two_factor
from tracker.middleware import TwoFactorMiddleware

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_throttles():
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def passkeys_of(user):
    return list(two_factor.passkey_model().objects.filter(user=user).order_by("pk"))


# --- Signing in with a passkey ---------------------------------------------------------------


def test_a_passkey_signs_in_as_a_code_does_and_returns_to_the_page_asked_for(make_user, caplog):
    chief = make_user("chief-of-staff", "chief")
    TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    authenticator = add_passkey(sign_in(Client(), chief))
    client = password_only("chief")
    first = client.get("/recommendations/?status=all")
    assert first["Location"] == reverse("two_factor_verify")
    page = client.get(first["Location"])
    html = page.content.decode()
    assert "Use your passkey or a code" in html
    assert 'id="passkey-verification-placeholder"' in html
    assert 'name="code"' in html  # the code stays beside the passkey for this role
    caplog.clear()
    done = use_passkey(client, authenticator)
    assert done.status_code == 200
    assert done.json()["redirect_url"] == "/recommendations/?status=all"
    assert client.get("/recommendations/").status_code == 200
    events = [r.getMessage() for r in caplog.records if r.name == "tracker.security"]
    assert any("two-factor-used" in e and "'method': 'passkey'" in e for e in events)
    passkey = passkeys_of(chief)[0]
    assert passkey.last_used_at is not None and passkey.sign_count == 1
    # django-otp's own record of the device that verified the session: the passkey.
    from django_otp import DEVICE_ID_SESSION_KEY

    assert client.session[DEVICE_ID_SESSION_KEY] == passkey.persistent_id


def test_a_person_with_only_a_passkey_is_asked_for_it_and_not_for_a_code(make_user):
    officer = make_user("liaison-officer", "officer")
    client = Client()
    client.force_login(officer)
    add_passkey(client)  # a first second factor, from a session with none
    assert not TOTPDevice.objects.filter(user=officer).exists()
    again = password_only("officer")
    assert again.get("/")["Location"] == reverse("two_factor_verify")
    html = again.get(reverse("two_factor_verify")).content.decode()
    assert "Use your passkey" in html and 'name="code"' not in html
    assert "use a recovery code" in html


# --- Adding, naming, listing -------------------------------------------------------------------


def test_a_first_passkey_turns_two_factor_on_with_recovery_codes_shown_once(make_user, caplog):
    officer = make_user("liaison-officer", "officer")
    client = Client()
    client.force_login(officer)
    add = client.get(reverse("passkey_add"))
    html = add.content.decode()
    assert add.status_code == 200 and 'id="passkey-register-button"' in html
    assert "turns on two-factor sign-in" in html
    begin = post_json(client, "credential-registration-begin")
    options = begin.json()
    assert options["rp"] == {"id": "localhost", "name": "Recommendation Tracker"}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"  # not passwordless
    done = post_json(client, "credential-registration-complete", Authenticator().register(options))
    passkey = passkeys_of(officer)[0]
    assert done.json() == {
        "id": passkey.pk,
        "redirect_url": f"/accounts/passkeys/{passkey.pk}/name/",
    }
    assert passkey.name.startswith("Passkey 1, added ")
    named = client.get(done.json()["redirect_url"])
    codes = re.findall(r"<code>(\w+)</code>", named.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=officer).count() == 10
    assert (
        re.findall(r"<code>(\w+)</code>", client.get(done.json()["redirect_url"]).content.decode())
        == []
    )
    assert client.get("/").status_code == 200  # the session is verified by the passkey
    assert any("Two-factor sign-in was set up" in m.body for m in mail.outbox)
    events = " ".join(r.getMessage() for r in caplog.records if r.name == "tracker.security")
    assert "passkey-added" in events and "two-factor-set-up" in events


def test_naming_a_passkey_and_the_list_shows_name_added_and_last_used(make_user):
    chief = make_user("chief-of-staff", "chief")
    client = sign_in(Client(), chief)
    add_passkey(client)
    passkey = passkeys_of(chief)[0]
    url = reverse("passkey_name", args=[passkey.pk])
    blank = client.post(url, {"name": "   "})
    assert blank.status_code == 400 and "Enter a name for the passkey" in blank.content.decode()
    control = client.post(url, {"name": "Work\x07laptop"})
    assert control.status_code == 400
    long = client.post(url, {"name": "x" * 65})
    assert long.status_code == 400 and "64 characters or fewer" in long.content.decode()
    ok = client.post(url, {"name": "  Work   laptop "})
    assert (ok.status_code, ok["Location"]) == (302, reverse("passkeys"))
    passkey.refresh_from_db()
    assert passkey.name == "Work laptop"
    listing = client.get(reverse("passkeys")).content.decode()
    assert "Work laptop" in listing and "Never" in listing and "Remove" in listing
    assert "Add a passkey" in listing


def test_a_person_may_have_at_most_ten_passkeys(make_user):
    chief = make_user("chief-of-staff", "chief")
    client = sign_in(Client(), chief)
    for _ in range(10):
        add_passkey(client)
    refused = post_json(client, "credential-registration-begin")
    assert refused.status_code == 409
    assert "the most you can have" in refused.json()["detail"]
    assert len(passkeys_of(chief)) == 10


def test_the_same_authenticator_cannot_be_added_twice(make_user):
    chief = make_user("chief-of-staff", "chief")
    client = sign_in(Client(), chief)
    authenticator = add_passkey(client)
    begin = post_json(client, "credential-registration-begin")
    # The browser is told which passkeys exist; one that adds it anyway is refused.
    assert begin.json()["excludeCredentials"][0]["id"]
    again = post_json(
        client, "credential-registration-complete", authenticator.register(begin.json())
    )
    assert again.status_code == 409
    assert again.json()["detail"].startswith("This passkey has already been added")
    assert len(passkeys_of(chief)) == 1


def test_removing_a_passkey_after_confirming_the_password(make_user, caplog):
    chief = make_user("chief-of-staff", "chief")
    client = sign_in(Client(), chief)
    add_passkey(client)
    passkey = passkeys_of(chief)[0]
    url = reverse("passkey_remove", args=[passkey.pk])
    ask = client.get(url)
    assert (
        ask["Location"]
        == f"{reverse('step_up')}?next=%2Faccounts%2Fpasskeys%2F{passkey.pk}%2Fremove%2F"
    )
    stepped_up(client)
    page = client.get(url)
    assert page.status_code == 200 and "Remove passkey" in page.content.decode()
    done = client.post(url)
    assert done["Location"] == reverse("passkeys")
    assert passkeys_of(chief) == []
    assert TOTPDevice.objects.filter(user=chief).exists()  # the app stays
    assert any("passkey-removed" in r.getMessage() for r in caplog.records)
    assert any("was removed from your account" in m.body for m in mail.outbox)


def test_a_required_role_keeps_a_second_factor(make_user):
    """A chief of staff (two-factor required) whose only second factor is one passkey
    cannot remove it: they would be left with nothing to sign in with."""
    chief = make_user("chief-of-staff", "chief")
    client = Client()
    client.force_login(chief)
    add_passkey(client)  # first device: verifies the session
    stepped_up(client)
    passkey = passkeys_of(chief)[0]
    response = client.post(reverse("passkey_remove", args=[passkey.pk]))
    assert response.status_code == 409
    assert "only way to sign in with a second step" in response.content.decode()
    assert len(passkeys_of(chief)) == 1


def test_an_administrators_reset_removes_passkeys_too(make_user):
    admin = make_user("admin", "admin")
    chief = make_user("chief-of-staff", "chief")
    add_passkey(sign_in(Client(), chief))
    client = stepped_up(sign_in(Client(), admin))
    response = client.post(reverse("two_factor_reset", args=[chief.pk]))
    assert response.status_code == 302
    assert passkeys_of(chief) == []
    assert not two_factor.has_two_factor(chief)


# --- The administrators' requirement -------------------------------------------------------


def test_an_administrator_with_a_code_but_no_passkey_reaches_only_adding_one(make_user, settings):
    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    admin = make_user("admin", "admin")
    client = sign_in(Client(), admin)  # verified with an authenticator-app code
    for url in ("/", "/admin/", reverse("passkeys"), reverse("step_up"), "/recommendations/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("passkey_add")), url
    page = client.get(reverse("passkey_add")).content.decode()
    assert "Administrators sign in with a passkey" in page and "Sign out" in page
    add_passkey(client)
    name = client.post(reverse("passkey_name", args=[passkeys_of(admin)[0].pk]), {"name": "Key"})
    assert name["Location"] == "/recommendations/"  # back to the page first asked for
    assert client.get("/").status_code == 200


def test_an_administrator_with_no_second_factor_is_sent_to_add_a_passkey(make_user, settings):
    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    make_user("admin", "admin")
    client = password_only("admin")
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, reverse("passkey_add"))
    authenticator = add_passkey(client)
    assert client.get("/").status_code == 200
    # At the next sign-in: the passkey, no code form.
    again = password_only("admin")
    assert "Use your passkey" in again.get(reverse("two_factor_verify")).content.decode()
    assert use_passkey(again, authenticator).status_code == 200
    assert again.get("/").status_code == 200


def test_other_roles_keep_the_authenticator_app(make_user, settings):
    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    from tests.tracker.test_two_factor import code_for

    chief = make_user("chief-of-staff", "chief")
    device = TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    add_passkey(sign_in(Client(), chief))
    client = password_only("chief")
    ok = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_the_allow_lists_are_the_ones_the_sweep_writes_out():
    from tests.security import test_two_factor_sweep as sweep

    assert TwoFactorMiddleware.WITH_DEVICE == sweep.WITH_DEVICE
    assert TwoFactorMiddleware.WITHOUT_DEVICE == sweep.WITHOUT_DEVICE
    assert TwoFactorMiddleware.NEEDS_PASSKEY == sweep.NEEDS_PASSKEY
    # Registering is never open to a session that has a factor it has not used.
    assert not {n for n in TwoFactorMiddleware.WITH_DEVICE if "registration" in n}


# --- Settings, static files and the CSP ------------------------------------------------------


def settings_under(module: str, **env: str) -> dict[str, object]:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({n: getattr(s, n) for n in ('PASSKEY_REQUIRED_ROLES', "
        "'OTP_WEBAUTHN_RP_ID', 'OTP_WEBAUTHN_RP_NAME', 'OTP_WEBAUTHN_ALLOWED_ORIGINS', "
        "'OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN')}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OTP_WEBAUTHN", "PASSKEY", "PORTAL_BASE_URL", "DJANGO_SETTINGS"))
    }
    clean.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        CLAMD_HOST="clamd.invalid",
        CLAMD_PORT="3310",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_requires_passkeys_of_administrators_bound_to_the_portals_host():
    found = settings_under(
        "tracker.settings.production", PORTAL_BASE_URL="https://tracker.example.org/"
    )
    assert found == {
        "PASSKEY_REQUIRED_ROLES": ["admin"],
        "OTP_WEBAUTHN_RP_ID": "tracker.example.org",
        "OTP_WEBAUTHN_RP_NAME": "Recommendation Tracker",
        "OTP_WEBAUTHN_ALLOWED_ORIGINS": ["https://tracker.example.org"],
        "OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN": False,
    }
    named = settings_under(
        "tracker.settings.production",
        OTP_WEBAUTHN_RP_ID="example.org",
        OTP_WEBAUTHN_ALLOWED_ORIGINS="https://a.example.org,https://b.example.org",
    )
    assert named["OTP_WEBAUTHN_RP_ID"] == "example.org"
    assert named["OTP_WEBAUTHN_ALLOWED_ORIGINS"] == [
        "https://a.example.org",
        "https://b.example.org",
    ]


def test_the_demo_does_not_require_a_passkey_and_works_on_localhost():
    found = settings_under("tracker.settings.dev")
    assert found["PASSKEY_REQUIRED_ROLES"] == []
    assert found["OTP_WEBAUTHN_RP_ID"] == "localhost"
    assert found["OTP_WEBAUTHN_ALLOWED_ORIGINS"] == ["http://localhost:8000"]


def test_the_ceremony_scripts_are_static_files():
    for name in (
        "django_otp_webauthn/otp_webauthn_auth.js",
        "django_otp_webauthn/otp_webauthn_register.js",
        "app/js/passkeys.mjs",
    ):
        assert finders.find(name), name


@pytest.mark.parametrize("page", ["verify", "add"])
def test_the_passkey_pages_run_no_inline_script(make_user, page):
    chief = make_user("chief-of-staff", "chief")
    if page == "verify":
        add_passkey(sign_in(Client(), chief))
        client = password_only("chief")
        response = client.get(reverse("two_factor_verify"))
    else:
        client = sign_in(Client(), chief)
        response = client.get(reverse("passkey_add"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # The browser features the portal switches off leave passkeys on (Permissions-Policy).
    assert "publickey-credentials" not in response.get("Permissions-Policy", "")
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        if 'type="application/json"' in attributes:  # data, which the browser never runs
            config = json.loads(body)
            assert (
                config["beginAuthenticationUrl"]
                == "/accounts/passkeys/webauthn/authentication/begin/"
            )
            assert config["csrfToken"]
        else:
            assert "src=" in attributes and body.strip() == "", attributes
    assert "style=" not in html


def test_the_name_form_takes_hostile_input_without_a_server_error_or_unclean_name(make_user):
    """The form fuzz's hostile values (tests/security/formfuzz.py) on the passkey's name:
    never a 500, a refused name leaves the old one, and a name kept is clean text."""
    from hypothesis import given

    from tests.security.formfuzz import hostile
    from tests.security.test_fuzz_forms import FUZZ
    from tracker.text import TextError, clean_text

    chief = make_user("chief-of-staff", "chief")
    client = sign_in(Client(), chief)
    add_passkey(client)
    passkey = passkeys_of(chief)[0]
    url = reverse("passkey_name", args=[passkey.pk])

    @FUZZ
    @given(value=hostile)
    def run(value):
        before = two_factor.passkey_model().objects.get(pk=passkey.pk).name
        response = client.post(url, {"name": value})
        assert response.status_code in (302, 400), response.status_code
        kept = two_factor.passkey_model().objects.get(pk=passkey.pk).name
        if response.status_code == 400:
            assert kept == before
        try:
            assert clean_text(kept, field_label="Name") == kept and len(kept) <= 64
        except TextError as error:  # the failure this test exists to report
            raise AssertionError(f"an unclean name was kept: {kept!r}") from error

    run()


def test_a_deployment_whose_origins_cannot_make_passkeys_fails_its_checks():
    """An allowed origin outside the relying party would lock administrators out (they
    could add no passkey): `manage.py check` refuses it, and accepts the right ones."""

    def check(**env: str) -> subprocess.CompletedProcess[str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OTP_WEBAUTHN", "PASSKEY", "PORTAL_BASE_URL", "DJANGO_SETTINGS"))
        }
        clean.update(
            DJANGO_SETTINGS_MODULE="tracker.settings.production",
            SECRET_KEY="x" * 60,
            CLAMD_HOST="clamd.invalid",
            CLAMD_PORT="3310",
            PORTAL_BASE_URL="https://tracker.example.org",
            **env,
        )
        return subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env=clean,
            capture_output=True,
            text=True,
        )

    good = check(OTP_WEBAUTHN_ALLOWED_ORIGINS="https://tracker.example.org")
    assert good.returncode == 0, good.stderr
    bad = check(OTP_WEBAUTHN_ALLOWED_ORIGINS="https://other.example")
    assert bad.returncode != 0 and "tracker.E101" in bad.stderr
    # Not where passkeys are not required.
    assert (
        check(
            OTP_WEBAUTHN_ALLOWED_ORIGINS="https://other.example", PASSKEY_REQUIRED_ROLES=""
        ).returncode
        == 0
    )
