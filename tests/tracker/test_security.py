"""Production hardening: deploy checks, CSP, throttling, sessions, the security log."""

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker"
        ),
        **extra,
    }


@pytest.mark.parametrize("behind_proxy", ["false", "true"])
def test_production_settings_pass_the_deploy_checks(behind_proxy):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(PROXY_SETS_X_FORWARDED_PROTO=behind_proxy),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "behind_proxy,expected",
    [(None, None), ("false", None), ("true", ["HTTP_X_FORWARDED_PROTO", "https"])],
)
def test_x_forwarded_proto_is_trusted_only_when_a_proxy_sets_it(behind_proxy, expected):
    env = production_env()
    env.pop("PROXY_SETS_X_FORWARDED_PROTO", None)
    if behind_proxy is not None:
        env["PROXY_SETS_X_FORWARDED_PROTO"] = behind_proxy
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SECURE_PROXY_SSL_HEADER))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


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


def test_password_validators_need_12_characters_and_more():
    from django.contrib.auth.password_validation import (
        get_default_password_validators,
        validate_password,
    )
    from django.core.exceptions import ValidationError

    names = {type(v).__name__: v for v in get_default_password_validators()}
    assert set(names) == {
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "UserAttributeSimilarityValidator",
        "NumericPasswordValidator",
    }
    assert names["MinimumLengthValidator"].min_length == 12
    for refused in ["short-pass1", "123456789012345", "password1234"]:
        with pytest.raises(ValidationError):
            validate_password(refused)
    validate_password("a-long-pass-phrase")


@pytest.mark.django_db
def test_changing_a_password_emails_the_person(make_user):
    from django.core import mail

    ruth = make_user("inspector", "ruth")
    client = Client()
    sign_in(client, ruth)
    new = "A-new-password-77"
    short = client.post(
        reverse("password_change"),
        {"old_password": "pw-for-tests-1", "new_password1": "short-1", "new_password2": "short-1"},
    )
    assert short.status_code == 200 and "at least 12 characters" in short.content.decode()
    assert mail.outbox == []
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-for-tests-1", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["ruth@example.org"]
    assert "password was changed" in message.subject
    assert "ruth" in message.body and "reset your password" in message.body
    assert new not in message.body and "pw-for-tests-1" not in message.body
    assert not message.alternatives  # plain text


@pytest.mark.django_db
def test_resetting_a_password_emails_the_person(make_user):
    import re

    from django.core import mail

    ruth = make_user("inspector", "ruth")
    Client().post(reverse("password_reset"), {"email": ruth.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    client = Client()
    page = client.get(link, follow=True)
    new = "A-new-password-77"
    client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert len(mail.outbox) == 2
    notice = mail.outbox[1]
    assert notice.to == ["ruth@example.org"] and "password was changed" in notice.subject
    ruth.refresh_from_db()
    assert ruth.check_password(new)


@pytest.mark.django_db
def test_no_email_for_a_person_without_an_address(make_user):
    from django.core import mail

    ruth = make_user("inspector", "ruth")
    ruth.email = ""
    ruth.save()
    client = Client()
    sign_in(client, ruth)
    new = "A-new-password-77"
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-for-tests-1", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and mail.outbox == []
