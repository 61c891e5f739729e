"""Finding 1 (critical): a password-only session took over an administrator's second factor.

A session that has not entered its code reaches nothing but the code page, the recovery
page, (before a first device) the set-up page and sign-out. The sweep walks every URL
pattern the portal serves, by GET and POST, so a page added later is closed to such a
session unless this file is changed on purpose. The allowed names are written out here
by hand, not read from the middleware, so the middleware cannot grade itself.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in
from tracker import step_up

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"

# What a password-only session may reach, by URL name, written out independently of the
# middleware. Changing either list is a security decision: say why in docs/security.md.
# A passkey is a second factor too (django-otp-webauthn): signing in with one needs its
# authentication pair before the code; adding the first one needs its registration pair
# and page, only while the person has no second factor at all.
PASSKEY_SIGN_IN = {
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
}
ADD_PASSKEY = {
    "passkey_add",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
}
WITH_DEVICE = {"two_factor_verify", "two_factor_recovery", "logout", "moj_asset"} | PASSKEY_SIGN_IN
WITHOUT_DEVICE = {"two_factor_setup", "logout", "moj_asset"} | ADD_PASSKEY
# After the code, an administrator (PASSKEY_REQUIRED_ROLES) with no passkey yet.
NEEDS_PASSKEY = {"logout", "moj_asset"} | ADD_PASSKEY

SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
}


def _fill(route: str, pk: int) -> str:
    """A concrete path for a route or regex: every parameter given a sample value."""
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")

    def converter(match: re.Match[str]) -> str:
        kind, _, name = match.group(1).rpartition(":")
        if name in {"pk", "user_id", "object_id", "id"}:
            return str(pk)
        return SAMPLES.get(kind or "str", "x")

    route = re.sub(r"<([^>]+)>", converter, route)

    def group(match: re.Match[str]) -> str:
        body = match.group(2)
        if "|" in body and not body.startswith("["):
            return body.split("|")[0]
        return str(pk) if "0-9" in body or "\\d" in body else "x"

    route = re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, route)
    return re.sub(r"[?*+]", "", route)


def every_url(pk: int) -> list[tuple[str, str]]:
    """(name, path) for every pattern the portal serves, admin included."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}{p.name}" if p.name else ""
                found.append((name, "/" + _fill(prefix + str(p.pattern), pk)))

    walk(get_resolver().url_patterns, "", "")
    return found


def password_only(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


@pytest.fixture
def admin_with_device(make_user):
    admin = make_user("admin", "admin")
    TOTPDevice.objects.create(user=admin, name="App", confirmed=True)
    return admin


@pytest.fixture
def chief_with_device(make_user):
    chief = make_user("chief-of-staff", "chief")
    TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    return chief


def test_the_sweep_sees_the_whole_portal(admin_with_device):
    urls = dict(every_url(admin_with_device.pk))
    # A guard on the sweep itself: if it stopped finding patterns it would pass vacuously.
    assert len(urls) > 100
    for name in (
        "two_factor_reset",
        "two_factor_setup",
        "two_factor_codes",
        "step_up",
        "admin:auth_user_change",
        "api:items",
        "passkeys",
        "passkey_remove",
        "otp_webauthn:credential-registration-begin",
    ):
        assert name in urls


def test_a_password_only_session_reaches_nothing_but_the_code_pages(admin_with_device):
    client = password_only("admin")
    verify = reverse("two_factor_verify")
    reached = []
    for name, path in every_url(admin_with_device.pk):
        if name in WITH_DEVICE or path.startswith("/static/"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if not (response.status_code == 302 and response["Location"] == verify):
                reached.append((method, name, path, response.status_code))
    assert reached == []
    assert TOTPDevice.objects.filter(user=admin_with_device).count() == 1


def test_a_required_role_without_a_device_reaches_only_set_up(make_user, settings):
    settings.MFA_REQUIRED_ROLES = ["admin", "chief-of-staff"]
    chief = make_user("chief-of-staff", "chief")
    client = password_only("chief")
    setup = reverse("two_factor_setup")
    reached = []
    for name, path in every_url(chief.pk):
        if name in WITHOUT_DEVICE or path.startswith("/static/"):
            continue
        response = client.get(path)
        if not (response.status_code == 302 and response["Location"] == setup):
            reached.append((name, path, response.status_code))
    assert reached == []


def test_finding_1_replayed_password_only_reset_of_own_and_a_chiefs_device(
    admin_with_device, chief_with_device
):
    """The attack as it was run: POST the reset of one's own device, then of a chief's,
    then open set-up for a new secret. Each is refused; both devices remain."""
    client = password_only("admin")
    verify = reverse("two_factor_verify")
    for pk in (admin_with_device.pk, chief_with_device.pk):
        response = client.post(reverse("two_factor_reset", args=[pk]))
        assert (response.status_code, response["Location"]) == (302, verify)
    setup = client.get(reverse("two_factor_setup"))
    assert (setup.status_code, setup["Location"]) == (302, verify)
    assert TOTPDevice.objects.filter(user=admin_with_device, confirmed=True).exists()
    assert TOTPDevice.objects.filter(user=chief_with_device, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(user=admin_with_device, confirmed=False).exists()


def test_the_admin_action_needs_a_verified_session_too(admin_with_device, chief_with_device):
    client = password_only("admin")
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "two_factor_reset", "_selected_action": [chief_with_device.pk]},
    )
    assert response["Location"] == reverse("two_factor_verify")
    assert TOTPDevice.objects.filter(user=chief_with_device).exists()


def test_a_verified_session_still_confirms_its_password_before_a_reset(
    admin_with_device, chief_with_device
):
    client = sign_in(Client(), admin_with_device)
    url = reverse("two_factor_reset", args=[chief_with_device.pk])
    first = client.post(url)
    assert first.status_code == 302 and first["Location"].startswith(reverse("step_up"))
    assert TOTPDevice.objects.filter(user=chief_with_device).exists()
    wrong = client.post(reverse("step_up"), {"password": "not-it", "next": "/admin/"})
    assert wrong.status_code == 400 and "The password is not right" in wrong.content.decode()
    assert client.post(url).status_code == 302
    assert TOTPDevice.objects.filter(user=chief_with_device).exists()
    ok = client.post(reverse("step_up"), {"password": PASSWORD, "next": "/admin/"})
    assert (ok.status_code, ok["Location"]) == (302, "/admin/")
    done = client.post(url)
    assert done["Location"] == reverse("admin:auth_user_change", args=[chief_with_device.pk])
    assert not TOTPDevice.objects.filter(user=chief_with_device).exists()


def test_the_password_proof_lasts_five_minutes(admin_with_device, chief_with_device):
    client = sign_in(Client(), admin_with_device)
    client.post(reverse("step_up"), {"password": PASSWORD, "next": "/"})
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=6)):
        # The session's absolute limit is longer than this; only the proof has expired.
        response = client.post(reverse("two_factor_reset", args=[chief_with_device.pk]))
    assert response["Location"].startswith(reverse("step_up"))
    assert TOTPDevice.objects.filter(user=chief_with_device).exists()


def test_nobody_resets_their_own_second_factor(admin_with_device):
    client = sign_in(Client(), admin_with_device)
    session = client.session
    session[step_up.STEP_UP_KEY] = time.time()
    session.save()
    response = client.post(reverse("two_factor_reset", args=[admin_with_device.pk]))
    assert response.status_code == 403
    assert "cannot reset your own" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin_with_device).exists()


def test_an_administrator_without_a_second_factor_cannot_reset_anyones(
    make_user, chief_with_device, settings
):
    """Under `make run` no role requires two-factor: a password-only administrator there
    is not 'unverified with a device', so the reset itself asks for a verified session."""
    settings.MFA_REQUIRED_ROLES = []
    make_user("admin", "plain-admin")
    client = password_only("plain-admin")
    response = client.post(reverse("two_factor_reset", args=[chief_with_device.pk]))
    assert response.status_code == 403
    assert client.get(reverse("step_up")).status_code == 403
    assert TOTPDevice.objects.filter(user=chief_with_device).exists()
    assert get_user_model().objects.filter(username="plain-admin").exists()


def test_the_password_proof_is_throttled_like_the_change_password_page(admin_with_device, settings):
    """Guessing the password at the step-up page is no easier than anywhere else: the
    same counter as the change-password page locks it after the same number of tries."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    client = sign_in(Client(), admin_with_device)
    for _ in range(settings.PASSWORD_CHANGE_FAILURE_LIMIT):
        client.post(reverse("step_up"), {"password": "wrong-guess", "next": "/"})
    locked = client.post(reverse("step_up"), {"password": PASSWORD, "next": "/"})
    assert locked.status_code == 429
    assert step_up.STEP_UP_KEY not in client.session
    caches["ratelimit"].clear()


def test_an_administrator_without_a_passkey_reaches_only_adding_one(admin_with_device, settings):
    """Production requires administrators to have a passkey (PASSKEY_REQUIRED_ROLES): one
    who signed in with an authenticator-app code but has no passkey yet reaches nothing
    but adding one, by GET or POST."""
    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    client = sign_in(Client(), admin_with_device)
    add = reverse("passkey_add")
    reached = []
    for name, path in every_url(admin_with_device.pk):
        if name in NEEDS_PASSKEY or path.startswith("/static/"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if not (response.status_code == 302 and response["Location"] == add):
                reached.append((method, name, path, response.status_code))
    assert reached == []


def test_a_password_only_session_with_a_passkey_reaches_nothing_else(admin_with_device, settings):
    """With a passkey as well as the app, the sweep gives the same answer: the code and
    passkey pages, nothing else (not the passkey list, naming, removal or registration)."""
    from tests.security.test_passkeys import a_passkey

    settings.PASSKEY_REQUIRED_ROLES = ["admin"]
    a_passkey(admin_with_device)
    client = password_only("admin")
    verify = reverse("two_factor_verify")
    reached = []
    for name, path in every_url(admin_with_device.pk):
        if name in WITH_DEVICE or path.startswith("/static/"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if not (response.status_code == 302 and response["Location"] == verify):
                reached.append((method, name, path, response.status_code))
    assert reached == []
