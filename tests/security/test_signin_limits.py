"""Sign-in and password limits (issue 23): a username longer than any account's is
refused by the sign-in forms with a clear error (finding 7: 5,000 characters gave a 500,
since django-axes keeps 255), and when the rate-limit store cannot be reached the
password pages refuse with "try again later": no reset email is sent, the current
password is not tried, and nothing is a 500."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in as sign_in_verified

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
DEAD = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


@pytest.fixture
def dead_throttles(settings):
    settings.CACHES = {**settings.CACHES, "ratelimit": DEAD}


def post(address: str, data: dict[str, str]):
    return Client(raise_request_exception=False).post(address, data)


@pytest.mark.parametrize("address", ["/accounts/login/", "/admin/login/"])
@pytest.mark.parametrize(
    "username",
    [
        "a" * 5000,
        "a" * 151,
        "\ufdfa" * 20,  # 20 characters that NFKC makes 360: measured as authenticated
    ],
)
def test_a_too_long_username_is_a_clear_form_error(make_user, address, username):
    make_user("inspector", "ruth")
    response = post(address, {"username": username, "password": "whatever"})
    assert response.status_code in (200, 400)
    assert "Username must be 150 characters or fewer" in response.content.decode()
    assert not AccessAttempt.objects.exists()  # never reached django-axes


def test_the_longest_username_is_still_counted_by_axes(make_user):
    make_user("inspector", "ruth")
    longest = "b" * 150
    response = post("/accounts/login/", {"username": longest, "password": "wrong"})
    assert response.status_code == 200
    assert "Username must be" not in response.content.decode()
    assert AccessAttempt.objects.get().username == longest
    assert post("/accounts/login/", {"username": "ruth", "password": PASSWORD}).status_code == 302


def test_a_reset_request_is_refused_not_sent_when_its_limit_cannot_count(make_user, dead_throttles):
    ruth = make_user("inspector", "ruth")
    pages = [
        post(reverse("password_reset"), {"email": email})
        for email in (ruth.email, "nobody@example.org")
    ]
    assert mail.outbox == []
    for page in pages:
        assert page.status_code == 503
        assert int(page["Retry-After"]) > 0
        assert "Try again in a few minutes" in page.content.decode()
    # The same page whether or not the address has an account.
    assert pages[0].content.decode().count("Try again") == pages[1].content.decode().count(
        "Try again"
    )


def test_the_current_password_is_not_tried_when_its_limit_cannot_count(make_user, settings):
    ruth = make_user("inspector", "ruth")
    client = sign_in_verified(Client(raise_request_exception=False), ruth)
    settings.CACHES = {**settings.CACHES, "ratelimit": DEAD}
    new = "A-new-password-77"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 503
    assert "Try again in a few minutes" in response.content.decode()
    ruth.refresh_from_db()
    assert ruth.check_password(PASSWORD)
