"""Throttles hold exactly under concurrency (issue 23, finding 8), counted in a real Redis
(a database of its own, REDIS_URL's, under a key prefix of this test's own): every count
is one atomic increment, never a read followed by a write. And when the throttles'
Redis cannot be reached the API refuses with a 503 problem+json, never a 500."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client, RequestFactory
from rest_framework.request import Request

from api import services as token_services
from api.models import ApiToken
from api.throttling import AddressRateThrottle, TokenRateThrottle
from tests.api.conftest import ApiClient
from tracker import accounts

THREADS = 32
TRIES = 10  # each thread's: 320 in all
LIMIT = 100
DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def redis_cache(location: str, prefix: str) -> dict[str, object]:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }


@pytest.fixture
def redis_throttles(settings):
    """The ratelimit cache in the real Redis of this test run, under a prefix of its own
    (removed afterwards)."""
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": redis_cache(django_settings.REDIS_URL, prefix),
    }
    yield caches["ratelimit"]
    client = caches["ratelimit"]._cache.get_client(write=True)  # RedisCache's redis-py client
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def all_at_once(attempt: Callable[[], bool]) -> int:
    """THREADS threads start together and each makes TRIES attempts: how many passed."""
    barrier = threading.Barrier(THREADS)
    passed: list[int] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            passed.append(sum(1 for _ in range(TRIES) if attempt()))
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            failures.append(error)
        finally:
            caches.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return sum(passed)


def api_request(address: str = "198.51.100.7", token: ApiToken | None = None) -> Request:
    request = Request(RequestFactory().get("/api/v1/reports/", REMOTE_ADDR=address))
    request.auth = token
    return request


def test_the_per_token_limit_holds_exactly_under_32_threads(redis_throttles, settings):
    # A day's window: the test never straddles two.
    settings.API_THROTTLE_RATES = {"api-token": f"{LIMIT}/day", "api-address": None}
    token = ApiToken(pk=987_654)  # the throttle needs only its id
    allowed = all_at_once(lambda: TokenRateThrottle().allow_request(api_request(token=token), None))
    assert allowed == LIMIT
    assert not TokenRateThrottle().allow_request(api_request(token=token), None)
    other = ApiToken(pk=987_655)
    assert TokenRateThrottle().allow_request(api_request(token=other), None)


def test_the_per_address_limit_holds_exactly_under_32_threads(redis_throttles, settings):
    settings.API_THROTTLE_RATES = {"api-token": None, "api-address": f"{LIMIT}/day"}
    allowed = all_at_once(lambda: AddressRateThrottle().allow_request(api_request(), None))
    assert allowed == LIMIT
    assert AddressRateThrottle().allow_request(api_request("198.51.100.8"), None)


def test_the_password_reset_limit_holds_exactly_under_32_threads(redis_throttles, settings):
    """django-ratelimit counts with cache.add and cache.incr (Redis INCR): checked here."""
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "3/d"
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "1000/d"
    counter = iter(range(10_000))
    lock = threading.Lock()

    def ask() -> bool:
        with lock:
            n = next(counter)
        request = RequestFactory().post("/", REMOTE_ADDR=f"10.9.{n // 250}.{n % 250}")
        return not accounts.reset_requests_over_limit(request, "Ruth@Example.org ")

    assert all_at_once(ask) == 3


@pytest.mark.django_db
def test_the_current_password_is_tried_at_most_five_times_under_32_threads(
    redis_throttles, settings, make_user, monkeypatch
):
    """The change-password page's check is counted before the password is tried, so 32
    guesses at once try it no more than PASSWORD_CHANGE_FAILURE_LIMIT times."""
    ruth = make_user("inspector", "ruth")
    tried: list[str] = []
    check = get_user_model().check_password

    def counted(user, raw):
        tried.append(raw)
        return check(user, raw)

    monkeypatch.setattr(get_user_model(), "check_password", counted)
    guesses = iter(range(10_000))
    lock = threading.Lock()

    def guess() -> bool:
        with lock:
            n = next(guesses)
        form = accounts.ThrottledPasswordChangeForm(ruth, {"old_password": f"guess-{n}"})
        form.is_valid()
        return "old_password" not in form.errors

    assert all_at_once(guess) == 0
    assert len(tried) == settings.PASSWORD_CHANGE_FAILURE_LIMIT


@pytest.mark.django_db
def test_the_api_refuses_with_503_when_its_throttles_redis_is_down(settings, people):
    _, secret = token_services.token_create(user=people["inspector"], name="Tests", days=30)
    settings.CACHES = {**settings.CACHES, "ratelimit": redis_cache(DEAD, "dead")}
    for token in (secret, None):  # the address throttle counts before authentication
        client = ApiClient(token, Client(raise_request_exception=False))
        response = client.get("/api/v1/reports/")
        assert response.status_code == 503, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert int(response["Retry-After"]) > 0
        assert "try again" in response.json()["detail"].lower()


def test_the_limit_slides_across_a_window_boundary(settings):
    """Fixed windows alone would let a client spend one window's allowance at its end
    and the next one's at the start of the next: the previous window still weighs."""
    settings.API_THROTTLE_RATES = {"api-token": None, "api-address": "3/minute"}
    caches["ratelimit"].clear()
    start = 60 * 29_000_000  # the start of a minute

    def at(seconds: float) -> tuple[bool, float | None]:
        throttle = AddressRateThrottle()
        throttle.timer = lambda: start + seconds  # a fixed clock
        return throttle.allow_request(api_request("203.0.113.9"), None), throttle.wait()

    assert [at(59.0)[0] for _ in range(3)] == [True, True, True]
    # Full: wait into the next minute, until a third of this one has slid out.
    assert at(59.5) == (False, 21.0)
    assert at(60.5) == (False, 20.0)  # the last minute's 3 still weigh 2.975
    assert at(80.5)[0]  # a third of it has slid out
    assert not at(81)[0]
    caches["ratelimit"].clear()
