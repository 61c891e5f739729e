"""A Redis that is full never turns a request into a 500, nor lets a limit through
(issue 23, finding 2: once the shared Redis was full every /api/v1/ request answered
500 and the password-reset limit stopped holding). Each test starts a throwaway
redis-server of its own, capped at 2 MB and refusing writes when full (`noeviction`, as
the throttles' and broker's Redis is), fills it, and points one cache at it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.core import mail
from django.test import Client
from django.urls import reverse

from api import services as token_services
from monitoring import cache as public_cache
from tests.api.conftest import ApiClient
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not here"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def full_redis() -> Iterator[str]:
    """The address of a new redis-server, capped and already full (the server is
    stopped afterwards)."""
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--maxmemory",
            "2mb",
            "--maxmemory-policy",
            "noeviction",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        with pytest.raises(redis.ResponseError, match="maxmemory"):
            for n in range(1000):
                client.set(f"filler:{n}", b"x" * 65536)
        # Full. Redis gives back a little memory as it trims its buffers, so the cap is
        # then lowered well under what it holds: not even a counter fits, for as long as
        # the test lasts.
        client.config_set("maxmemory", "1mb")
        with pytest.raises(redis.ResponseError, match="maxmemory"):
            client.incr("a-counter")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


def redis_cache(location: str, prefix: str) -> dict[str, object]:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def test_the_api_answers_503_not_500_when_its_throttles_redis_is_full(full_redis, settings, people):
    _, secret = token_services.token_create(user=people["inspector"], name="Tests", days=30)
    settings.CACHES = {**settings.CACHES, "ratelimit": redis_cache(full_redis, "throttle")}
    response = ApiClient(secret, Client(raise_request_exception=False)).get("/api/v1/reports/")
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0


def test_no_reset_email_is_sent_when_its_limits_redis_is_full(full_redis, settings, make_user):
    ruth = make_user("inspector", "ruth")
    settings.CACHES = {**settings.CACHES, "ratelimit": redis_cache(full_redis, "throttle")}
    pages = [
        Client(REMOTE_ADDR=f"10.7.0.{n}", raise_request_exception=False).post(
            reverse("password_reset"), {"email": ruth.email}
        )
        for n in range(1, 7)
    ]
    assert mail.outbox == []  # the finding: 6 emails went, against a limit of 3
    assert {page.status_code for page in pages} == {503}
    assert "Try again in a few minutes" in pages[0].content.decode()


def test_public_pages_are_served_uncached_when_the_cache_redis_is_full(
    full_redis, settings, people, monkeypatch
):
    monkeypatch.setattr(public_cache, "_bump_pending", False)
    lead = people["liaison-lead"]
    item = make_item(force="gloucestershire", lead=lead)
    progressed(item, lead)
    settings.CACHES = {**settings.CACHES, "public": redis_cache(full_redis, "public")}
    client = Client(raise_request_exception=False)
    for address in (
        "/monitoring/",
        "/monitoring/?force=gloucestershire",
        f"/monitoring/gloucestershire/{item.portal_id}/",
        "/monitoring/gloucestershire/",
    ):
        assert client.get(address).status_code == 200, address
