"""Throttling: sign-in locks per (username, address) and per username, the current-password
check of the change-password page, password-reset rate limits, and the client address
they all count by."""

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import sign_in as sign_in_verified

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def _empty_throttles():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def sign_in(address: str, username: str, password: str) -> int:
    client = Client(REMOTE_ADDR=address)
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


# --- The client address -------------------------------------------------------------------


def request_from(remote: str, forwarded: str | None = None):
    headers: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    from tracker.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_with_one_trusted_proxy_the_address_it_saw_is_used(settings):
    from tracker.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("172.18.0.5", "203.0.113.7")) == "203.0.113.7"
    # Whatever the client wrote into the header itself stays to the left, ignored.
    assert client_ip(request_from("172.18.0.5", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("172.18.0.5", "10.0.0.9")) == "10.0.0.9"
    # No header (the health check, say): the connecting address.
    assert client_ip(request_from("172.18.0.5")) == "172.18.0.5"


def test_with_two_trusted_proxies_the_second_address_from_the_right_is_used(settings):
    from tracker.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("172.18.0.5", "6.6.6.6, 203.0.113.7, 172.18.0.9")
    assert client_ip(request) == "203.0.113.7"


def test_axes_counts_by_the_same_address(settings):
    from axes.helpers import get_client_ip_address

    assert settings.AXES_CLIENT_IP_CALLABLE == "tracker.security.client_ip"
    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(request_from("172.18.0.5", "203.0.113.7")) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert get_client_ip_address(request_from("172.18.0.5", "203.0.113.7")) == "172.18.0.5"


@pytest.mark.django_db
def test_behind_a_proxy_the_lockout_follows_the_forwarded_address(make_user, settings):
    make_user("inspector", "ruth")
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "172.18.0.5"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(5):
        response = attacker.post(reverse("login"), {"username": "ruth", "password": "wrong"})
    assert response.status_code == 429
    # Ruth, coming through the same proxy from her own address, is not locked out.
    ruth = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    response = ruth.post(reverse("login"), {"username": "ruth", "password": PASSWORD})
    assert response.status_code == 302


# --- Sign-in ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ten_failures_from_many_addresses_lock_the_username_everywhere(make_user):
    make_user("inspector", "ruth")
    make_user("inspector", "sam")
    for n in range(20):  # 4 from each of 5 addresses: no pair reaches its limit of 5
        sign_in(f"10.0.0.{n % 5 + 1}", "ruth", f"guess-{n}")
    assert sign_in("10.0.0.6", "ruth", PASSWORD) == 429
    assert sign_in("10.0.0.6", "sam", PASSWORD) == 302  # other people are unaffected


@pytest.mark.django_db
def test_nine_failures_from_many_addresses_do_not_lock_the_username(make_user):
    make_user("inspector", "ruth")
    for n in range(9):
        sign_in(f"10.0.0.{n % 3 + 1}", "ruth", f"guess-{n}")
    assert sign_in("10.0.0.6", "ruth", PASSWORD) == 302


@pytest.mark.django_db
def test_the_tenth_failure_shows_the_lockout_page(make_user):
    make_user("inspector", "ruth")
    for n in range(9):
        assert sign_in(f"10.0.1.{n + 1}", "ruth", "wrong") == 200
    assert sign_in("10.0.1.99", "ruth", "wrong") == 429


@pytest.mark.django_db
def test_the_username_lock_ends_after_the_cool_off(make_user):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    make_user("inspector", "ruth")
    for n in range(10):
        sign_in(f"10.0.0.{n + 1}", "ruth", "wrong")
    assert sign_in("10.0.0.99", "ruth", PASSWORD) == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert sign_in("10.0.0.99", "ruth", PASSWORD) == 302


@pytest.mark.django_db
def test_a_password_reset_ends_the_lockouts(make_user):
    ruth = make_user("inspector", "ruth")
    for n in range(10):
        sign_in(f"10.0.0.{n % 2 + 1}", "ruth", "wrong")
    assert sign_in("10.0.0.1", "ruth", PASSWORD) == 429
    Client(REMOTE_ADDR="10.0.0.1").post(reverse("password_reset"), {"email": ruth.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[-1].body).group(1)
    client = Client(REMOTE_ADDR="10.0.0.1")
    page = client.get(link, follow=True)
    new = "A-new-password-77"
    done = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert sign_in("10.0.0.1", "ruth", new) == 302
    assert sign_in("10.0.0.3", "ruth", new) == 302


# --- The current password on the change-password page --------------------------------------


@pytest.mark.django_db
def test_guessing_the_current_password_locks_the_change_password_page(make_user):
    ruth = make_user("inspector", "ruth")
    client = Client()
    sign_in_verified(client, ruth)
    new = "A-new-password-77"

    def change(old: str):
        return client.post(
            reverse("password_change"),
            {"old_password": old, "new_password1": new, "new_password2": new},
        )

    for n in range(4):
        response = change(f"guess-{n}")
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    locked = change("guess-5")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "There is a problem" in html and "govuk-error-summary" in html
    assert "wrong current password too many times" in html and "15 minutes" in html
    right = change(PASSWORD)  # even the right password is refused while locked
    assert right.status_code == 429
    ruth.refresh_from_db()
    assert ruth.check_password(PASSWORD)
    other = make_user("inspector", "sam")
    sign_in_verified(client, other)
    assert change(PASSWORD).status_code == 302  # the lock is the person's own


@pytest.mark.django_db
def test_the_change_password_lock_lasts_15_minutes(make_user):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    ruth = make_user("inspector", "ruth")
    client = Client()
    sign_in_verified(client, ruth)
    new = "A-new-password-77"
    data = {"new_password1": new, "new_password2": new}
    for n in range(5):
        client.post(reverse("password_change"), {"old_password": f"guess-{n}", **data})
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(minutes=14)):
        response = client.post(reverse("password_change"), {"old_password": PASSWORD, **data})
        assert response.status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16)):
        sign_in_verified(client, ruth)  # the session itself would have expired meanwhile
        response = client.post(reverse("password_change"), {"old_password": PASSWORD, **data})
        assert response.status_code == 302


@pytest.mark.django_db
def test_the_right_current_password_with_a_bad_new_one_is_not_a_failure(make_user):
    """Each try is counted before the current password is tried (so guesses sent together
    cannot pass the limit) and given back when it was right."""
    ruth = make_user("inspector", "ruth")
    client = Client()
    sign_in_verified(client, ruth)
    for _ in range(6):
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "A-new-password-77", "new_password2": "x"},
        )
        assert response.status_code == 200
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "guess", "new_password1": "A-new-password-77", "new_password2": "x"},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()


# --- Password-reset requests ------------------------------------------------------------


@pytest.mark.django_db
def test_reset_requests_for_one_email_send_at_most_three_emails(make_user):
    ruth = make_user("inspector", "ruth")
    pages = []
    for n in range(30):
        client = Client(REMOTE_ADDR=f"10.2.0.{n + 1}")
        pages.append(client.post(reverse("password_reset"), {"email": ruth.email}))
    assert len(mail.outbox) == 3
    # Every answer is the same "check your email" page: the limit leaks nothing.
    assert {(p.status_code, p["Location"]) for p in pages} == {
        (302, reverse("password_reset_done"))
    }


@pytest.mark.django_db
def test_reset_requests_from_one_address_send_at_most_five_emails(make_user):
    for n in range(30):
        make_user("inspector", f"person{n}")
    client = Client(REMOTE_ADDR="10.3.0.1")
    for n in range(30):
        response = client.post(reverse("password_reset"), {"email": f"person{n}@example.org"})
        assert response.status_code == 302
    assert len(mail.outbox) == 5
    # Another address is still served.
    Client(REMOTE_ADDR="10.3.0.2").post(
        reverse("password_reset"), {"email": "person29@example.org"}
    )
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_reset_requests_for_unknown_addresses_count_too(make_user):
    ruth = make_user("inspector", "ruth")
    client = Client(REMOTE_ADDR="10.4.0.1")
    for n in range(5):
        client.post(reverse("password_reset"), {"email": f"nobody{n}@example.org"})
    client.post(reverse("password_reset"), {"email": ruth.email})
    assert mail.outbox == []
