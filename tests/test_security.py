"""Production hardening: deploy checks, CSP, throttling, sessions, the security log."""

import logging
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from recommendations import services
from recommendations.models import Status
from tests.factories import make_item

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_checks():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker"
        ),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings.production",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tracker",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client_as):
    response = client_as("inspector").get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "<script>" not in html and "style=" not in html


@pytest.mark.django_db
def test_five_failures_lock_the_username_and_address_and_success_resets(make_user):
    make_user("inspector", "ruth")
    client = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(4):
        client.post(reverse("login"), {"username": "ruth", "password": "wrong"})
    ok = client.post(reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"})
    assert ok.status_code == 302  # the fourth failure was not yet a lock; success resets
    client.post(reverse("logout"))
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "ruth", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html and "15 minutes" in html
    locked = client.post(reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"})
    assert locked.status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.6")
    fine = other_address.post(reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"})
    assert fine.status_code == 302


@pytest.mark.django_db
def test_session_key_rotates_at_sign_in_and_idle_and_absolute_limits(make_user, settings):
    make_user("inspector", "ruth")
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.cookies.get("sessionid")
    client.post(reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"})
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    session = client.session
    session["touched_at"] = time.time() - 61  # a minute since the idle timeout was renewed
    session.save()
    expiry_before = client.session.get_expiry_date()
    time.sleep(0.01)
    client.get("/")
    assert client.session["touched_at"] > time.time() - 5
    assert client.session.get_expiry_date() > expiry_before
    session = client.session
    session["signed_in_at"] = time.time() - 12 * 60 * 60 - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get("/").status_code == 302  # signed out


def test_production_cookies_are_secure():
    from tracker.settings import production

    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SESSION_COOKIE_HTTPONLY
    assert production.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.django_db
def test_security_log_records_events_and_never_a_password(make_user, people, caplog):
    make_user("inspector", "ruth")
    item = make_item(force="west-midlands")
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        client = Client(REMOTE_ADDR="10.1.2.3")
        client.post(reverse("login"), {"username": "ruth", "password": "S3cret-wrong-pass"})
        client.post(reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"})
        officer = Client(REMOTE_ADDR="10.9.9.9")
        officer.force_login(people["liaison-officer"])
        officer.get(reverse("recommendations:item", args=[item.pk]))
        officer.get(reverse("recommendations:report_new"))
        glos = make_item(force="gloucestershire")
        services.status_change(item=glos, by=people["liaison-lead"], to=Status.BEING_PROGRESSED)
        services.closure_propose(item=glos, by=people["liaison-lead"], reason="Met")
        chief = Client(REMOTE_ADDR="10.7.7.7")
        chief.force_login(people["chief-of-staff"])
        chief.post(reverse("recommendations:action", args=[glos.pk, "authorise-closure"]), {})
    text = caplog.text
    assert "event=sign-in-failed user=ruth ip=10.1.2.3" in text
    assert "event=sign-in user=ruth ip=10.1.2.3" in text
    assert "event=access-denied user=liaison-officer" in text and "outside-scope" in text
    assert "event=access-denied user=liaison-officer ip=10.9.9.9 path=/reports/new/" in text
    assert "event=closure-authorised user=chief-of-staff ip=10.7.7.7" in text
    assert "S3cret-wrong-pass" not in text and "pw-for-tests-1" not in text
    assert "sessionid" not in text and "csrf" not in text.lower()


def test_security_log_times_are_utc():
    from tracker.security import UTCFormatter

    record = logging.LogRecord("tracker.security", logging.INFO, __file__, 1, "x", None, None)
    record.created = 0
    assert UTCFormatter("%(asctime)s").format(record) == "1970-01-01T00:00:00Z"


@pytest.mark.django_db
def test_error_pages_reveal_nothing_internal(client_as, settings):
    settings.DEBUG = False
    client = client_as("liaison-officer")
    missing = client.get("/recommendations/999999/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "Page not found" in html and "Traceback" not in html and "999999" not in html
    denied = client.get(reverse("recommendations:report_new"))
    assert denied.status_code == 403 and "You cannot do this" in denied.content.decode()
    from django.template.loader import render_to_string

    assert "Sorry, there is a problem with the service" in render_to_string("500.html")
