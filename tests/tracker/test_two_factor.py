"""Two-factor sign-in (django-otp): required roles reach nothing but the two-factor
pages until they have a code; codes are computed here as an authenticator app would."""

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in, stepped_up

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def later(seconds: int = 5):
    """Past django-otp's throttle delay after a wrong code (it grows after each one)."""
    return time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=seconds))


def password_only(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_required_role_without_a_device_reaches_only_the_set_up_page(make_user):
    make_user("chief-of-staff", "chief")
    client = password_only("chief")
    setup = reverse("two_factor_setup")
    for url in (
        "/",
        "/recommendations/",
        "/reports/",
        "/imports/",
        "/admin/",
        "/accounts/password_change/",
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, setup), url
    page = client.get(setup)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'id="secret"' in html
    device = TOTPDevice.objects.get(user__username="chief", confirmed=False)
    assert client.post(setup, {"code": "000000"}).status_code == 400
    with later():
        done = client.post(setup, {"code": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<code>(\w+)</code>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert any("Two-factor sign-in was set up" in m.subject for m in mail.outbox)


def test_signing_in_asks_for_a_code_and_returns_to_the_page_asked_for(make_user):
    chief = make_user("chief-of-staff", "chief")
    device = TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    client = password_only("chief")
    first = client.get("/recommendations/?status=all")
    assert first["Location"] == reverse("two_factor_verify")
    assert client.post(first["Location"], {"code": "12"}).status_code == 400
    with later():
        ok = client.post(first["Location"], {"code": code_for(device)})
    assert (ok.status_code, ok["Location"]) == (302, "/recommendations/?status=all")
    assert client.get("/recommendations/").status_code == 200


def test_wrong_codes_are_throttled(make_user):
    chief = make_user("chief-of-staff", "chief")
    device = TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    client = password_only("chief")
    url = reverse("two_factor_verify")
    for _ in range(3):
        client.post(url, {"code": "000000"})
    refused = client.post(url, {"code": code_for(device)})
    assert refused.status_code == 400
    assert "Too many wrong codes" in refused.content.decode()
    assert client.get("/").status_code == 302


def test_a_recovery_code_signs_in_once(make_user):
    from tracker import two_factor

    lead = make_user("liaison-lead", "lead")
    TOTPDevice.objects.create(user=lead, name="App", confirmed=True)
    codes = two_factor.recovery_codes_replace(lead)
    client = password_only("lead")
    url = reverse("two_factor_recovery")
    assert client.post(url, {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    again = password_only("lead")
    assert again.post(url, {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=lead).count() == 9


def test_new_recovery_codes_replace_the_old(make_user):
    from tracker import two_factor

    lead = make_user("liaison-lead", "lead")
    old = two_factor.recovery_codes_replace(lead)
    client = sign_in(Client(), lead)
    page = client.post(reverse("two_factor_codes"))
    new = re.findall(r"<code>(\w+)</code>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)


def test_a_liaison_officer_may_turn_it_on_and_is_then_asked(make_user):
    officer = make_user("liaison-officer", "officer")
    client = password_only("officer")
    assert client.get("/").status_code == 200  # not required
    TOTPDevice.objects.create(user=officer, name="App", confirmed=True)
    later = password_only("officer")
    assert later.get("/")["Location"] == reverse("two_factor_verify")


def test_an_administrator_resets_someones_second_factor(make_user, client_as, caplog):
    chief = make_user("chief-of-staff", "chief")
    TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    admin = stepped_up(client_as("admin"))
    with caplog.at_level("INFO", logger="tracker.security"):
        response = admin.post(
            reverse("admin:auth_user_changelist"),
            {"action": "two_factor_reset", "_selected_action": [chief.pk]},
        )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=chief).exists()
    assert LogEntry.objects.filter(object_id=str(chief.pk)).exists()
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    assert any(e["event"] == "two-factor-reset" and e["target"] == chief.pk for e in events)
    assert password_only("chief").get("/")["Location"] == reverse("two_factor_setup")


def test_add_user_prints_a_provisioning_address_to_sign_in_with(db):
    out = io.StringIO()
    call_command("add_user", "sam", "--role", "inspector", "--totp", stdout=out)
    uri = out.getvalue().strip().splitlines()[-1]
    assert uri.startswith("otpauth://totp/")
    assert "secret" in parse_qs(urlparse(uri).query)
    device = TOTPDevice.objects.get(user__username="sam")
    from forces.users import user_set_role

    user_set_role(username="sam", role="inspector", password=PASSWORD)
    client = password_only("sam")
    assert client.post(reverse("two_factor_verify"), {"code": code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_no_code_or_secret_reaches_the_security_log(make_user, caplog):
    chief = make_user("chief-of-staff", "chief")
    device = TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    client = password_only("chief")
    code = code_for(device)
    with caplog.at_level("INFO", logger="tracker.security"):
        client.post(reverse("two_factor_verify"), {"code": code})
    assert code not in caplog.text and device.key not in caplog.text


def test_people_and_scope_changes_are_security_events(make_user, client_as, caplog):
    with caplog.at_level("INFO", logger="tracker.security"):
        make_user("liaison-lead", "lee", force_slugs=["gloucestershire"])
        stepped_up(client_as("admin")).post(
            reverse("admin:auth_user_changelist"),
            {"action": "two_factor_reset", "_selected_action": [make_user("inspector").pk]},
        )
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    created = next(e for e in events if e["event"] == "user-created" and e["username"] == "lee")
    assert created["role"] == "liaison-lead" and created["forces"] == "gloucestershire"
    admin_change = next(e for e in events if e["event"] == "admin-change")
    assert admin_change["username"] == "admin" and admin_change["model"] == "auth.user"
