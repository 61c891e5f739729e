"""The security log: one JSON object a line on standard error, with the event, the person,
their address, the request id and the UTC time; never a password, code or session key."""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from recommendations import services
from recommendations.models import Status
from tests.conftest import sign_in as sign_in_verified
from tests.factories import make_item

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def _empty_throttles():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def security_log():
    """The security log's lines as the configured handler writes them."""
    stream = io.StringIO()
    config = settings.LOGGING["formatters"][settings.LOGGING["handlers"]["security"]["formatter"]]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(import_string(config["()"])())
    logger = logging.getLogger("tracker.security")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def events(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_security_log_goes_to_standard_error_as_json():
    handler = settings.LOGGING["handlers"]["security"]
    assert handler["class"] == "logging.StreamHandler" and "stream" not in handler  # stderr
    assert settings.LOGGING["loggers"]["tracker.security"]["handlers"] == ["security"]
    formatter = settings.LOGGING["formatters"][handler["formatter"]]
    assert formatter["()"] == "tracker.jsonlog.SecurityLogFormatter"


def test_each_event_is_one_json_line_with_utc_time():
    from tracker.jsonlog import SecurityLogFormatter

    record = logging.LogRecord(
        "tracker.security", logging.INFO, __file__, 1, {"event": "x", "n": 1}, None, None
    )
    record.created = 0.25
    line = SecurityLogFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["time"] == "1970-01-01T00:00:00.250Z"
    assert data["event"] == "x" and data["n"] == 1 and data["level"] == "INFO"
    plain = logging.LogRecord(
        "tracker.security", logging.INFO, __file__, 1, "hello %s\nthere", ("you",), None
    )
    line = SecurityLogFormatter().format(plain)
    assert "\n" not in line and json.loads(line)["message"] == "hello you\nthere"


@pytest.mark.django_db
def test_events_carry_person_address_request_id_and_time(
    make_user, people, security_log, django_capture_on_commit_callbacks
):
    ruth = make_user("inspector", "ruth")
    item = make_item(force="west-midlands")
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "ruth", "password": "S3cret-wrong-pass"})
    signed_in = client.post(reverse("login"), {"username": "ruth", "password": PASSWORD})
    officer = Client(REMOTE_ADDR="10.9.9.9")
    sign_in_verified(officer, people["liaison-officer"])
    out_of_scope = officer.get(reverse("recommendations:item", args=[item.pk]))
    forbidden = officer.get(reverse("recommendations:report_new"))
    glos = make_item(force="gloucestershire")
    services.status_change(item=glos, by=people["liaison-lead"], to=Status.BEING_PROGRESSED)
    services.closure_propose(
        verified_by="documents", item=glos, by=people["liaison-lead"], reason="Met"
    )
    chief = Client(REMOTE_ADDR="10.7.7.7")
    sign_in_verified(chief, people["chief-of-staff"])
    # Closure decisions are logged by the service once committed, with the address of
    # the request that made them.
    with django_capture_on_commit_callbacks(execute=True):
        chief.post(reverse("recommendations:action", args=[glos.pk, "authorise-closure"]), {})

    logged = events(security_log)
    for entry in logged:
        assert {"event", "user_id", "username", "ip", "request_id", "time"} <= set(entry)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    by_event = {}
    for entry in logged:
        by_event.setdefault(entry["event"], []).append(entry)
    failed = by_event["sign-in-failed"][0]
    assert failed["username"] == "ruth" and failed["ip"] == "10.1.2.3"
    sign_in = by_event["sign-in"][0]
    assert sign_in["user_id"] == ruth.pk and sign_in["ip"] == "10.1.2.3"
    assert sign_in["request_id"] == signed_in["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", sign_in["request_id"])
    # Out of scope (a 404) is logged from the selector, which has no request argument: the
    # address and request id come from the request being served.
    hidden, refused = by_event["access-denied"]
    assert hidden["reason"] == "outside-scope" and hidden["item"] == item.pk
    assert hidden["username"] == "liaison-officer" and hidden["ip"] == "10.9.9.9"
    assert hidden["request_id"] == out_of_scope["X-Request-ID"]
    assert refused["path"] == "/reports/new/" and refused["ip"] == "10.9.9.9"
    assert refused["request_id"] == forbidden["X-Request-ID"]
    authorised = by_event["closure-authorised"][0]
    assert authorised["username"] == "chief-of-staff" and authorised["ip"] == "10.7.7.7"


@pytest.mark.django_db
def test_an_event_outside_a_request_has_no_address(people, security_log):
    from tracker.security import event

    event("closure-authorised", user=people["inspector"], item=3)
    (entry,) = events(security_log)
    assert entry["ip"] is None and entry["request_id"] is None
    assert entry["user_id"] == people["inspector"].pk


@pytest.mark.django_db
def test_a_field_named_like_a_secret_is_never_written(people, security_log):
    from tracker.security import event

    event("x", user=people["inspector"], password="p1", reset_token="t1", session_key="s1")
    (entry,) = events(security_log)
    assert not {"password", "reset_token", "session_key"} & set(entry)


@pytest.mark.django_db
def test_line_breaks_in_a_username_cannot_forge_a_log_line(make_user, security_log):
    make_user("inspector", "ruth")
    security_log.seek(0)
    security_log.truncate()  # from here on, only the sign-in attempts
    forged = "ruth\n2026-11-23T08:00:00Z SECURITY event=sign-in user=admin\r\rx"
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(3):
        client.post(reverse("login"), {"username": forged, "password": "wrong-password"})
    lines = security_log.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in security_log.getvalue()
    assert [json.loads(line)["username"] for line in lines] == [forged] * 3
    assert all(json.loads(line)["event"] == "sign-in-failed" for line in lines)


@pytest.mark.django_db
def test_lockouts_and_password_events_are_logged_and_no_secret_ever_is(
    make_user, security_log, settings
):
    settings.MFA_REQUIRED_ROLES = []  # password events only; two-factor has its own tests
    ruth = make_user("inspector", "ruth")
    client = Client(REMOTE_ADDR="10.1.2.3")
    wrong = "Wrong-guess-0001"
    for _ in range(5):
        client.post(reverse("login"), {"username": "ruth", "password": wrong})
    other = Client(REMOTE_ADDR="10.1.2.4")
    other.post(reverse("login"), {"username": "ruth", "password": PASSWORD})
    session_key = other.session.session_key
    new = "A-brand-new-pass-2"
    other.post(
        reverse("password_change"),
        {"old_password": "Not-my-password-9", "new_password1": new, "new_password2": new},
    )
    other.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    session_key_after_change = other.session.session_key
    Client(REMOTE_ADDR="10.1.2.5").post(reverse("password_reset"), {"email": ruth.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[-1].body).group(1)
    token = link.rstrip("/").split("/")[-1]
    resetting = Client(REMOTE_ADDR="10.1.2.5")
    form_page = resetting.get(link, follow=True)
    reset = "Third-password-33"
    resetting.post(
        form_page.redirect_chain[-1][0], {"new_password1": reset, "new_password2": reset}
    )

    logged = events(security_log)
    names = [entry["event"] for entry in logged]
    assert names.count("sign-in-failed") == 5
    assert "lockout" in names
    lockout = logged[names.index("lockout")]
    assert lockout["username"] == "ruth" and lockout["ip"] == "10.1.2.3"
    assert lockout["level"] == "WARNING"
    for name in [
        "sign-in",
        "password-change-failed",
        "password-change",
        "password-reset-requested",
        "password-reset-completed",
    ]:
        entry = logged[names.index(name)]
        assert entry["username"] == "ruth" and entry["user_id"] == ruth.pk, name
    text = security_log.getvalue()
    for secret in [wrong, PASSWORD, new, reset, "Not-my-password-9", token]:
        assert secret not in text
    for key in [session_key, session_key_after_change]:
        assert key and key not in text
    assert "sessionid" not in text and "csrf" not in text.lower()
