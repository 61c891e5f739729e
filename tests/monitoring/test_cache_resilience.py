"""The public page cache when Redis is down, and what it agrees to store (security
review: a dead cache must not turn a saved change into a 500; junk query strings must
not fill the cache)."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from monitoring import cache as public_cache
from recommendations import services
from recommendations.models import TimelineEntry
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    **settings.CACHES,
    "public": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}


@pytest.fixture
def item(people):
    lead = people["liaison-lead"]
    made = make_item(force="gloucestershire", lead=lead)
    progressed(made, lead)
    return made


@pytest.fixture(autouse=True)
def no_pending_bump(monkeypatch):
    monkeypatch.setattr(public_cache, "_bump_pending", False, raising=False)


def get(client: Client, address: str, params: dict | None = None):
    """The response, and whether it came from the cache (a stored page is answered
    without a query: no header says so, issue 23)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, params or {})
    return response, len(queries) == 0


def page_keys() -> list[str]:
    stored = caches["public"]._cache  # type: ignore[attr-defined]  # LocMemCache's own dict: the stored keys
    return [k for k in stored if "monitoring:page:" in k]


def test_a_public_change_saves_and_pages_serve_when_redis_is_down(
    item, people, caplog, django_capture_on_commit_callbacks
):
    lead = people["liaison-lead"]
    address = f"/monitoring/gloucestershire/{item.portal_id}/"
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        with django_capture_on_commit_callbacks(execute=True):
            services.comment_add(item=item, by=lead, text="Saved anyway.", visibility="public")
        assert TimelineEntry.objects.filter(item=item, text="Saved anyway.").exists()
        page = Client().get(address)
        listing = Client().get("/monitoring/", {"q": "Saved"})
    assert page.status_code == 200 and "Saved anyway." in page.content.decode()
    assert page_keys() == []  # served uncached
    assert listing.status_code == 200
    assert any("Public cache unreachable" in r.getMessage() for r in caplog.records)


def test_a_bump_missed_while_redis_was_down_is_made_before_the_next_page(
    item, people, django_capture_on_commit_callbacks
):
    lead = people["liaison-lead"]
    address = f"/monitoring/gloucestershire/{item.portal_id}/"
    client = Client()
    assert get(client, address)[1] is False
    assert get(client, address)[1] is True
    with override_settings(CACHES=DEAD_REDIS), django_capture_on_commit_callbacks(execute=True):
        services.comment_add(item=item, by=lead, text="Made offline.", visibility="public")
    fresh, cached = get(client, address)  # the cache is back with the old page in it
    assert cached is False
    assert "Made offline." in fresh.content.decode()


def test_an_unknown_query_parameter_is_served_but_never_stored(item):
    client = Client()
    assert get(client, "/monitoring/", {"force": "gloucestershire"})[1] is False
    assert len(page_keys()) == 1
    for junk in ("1", "2", "3"):
        response, cached = get(client, "/monitoring/", {"force": "gloucestershire", "x": junk})
        assert response.status_code == 200 and not cached
    assert client.get(f"/monitoring/gloucestershire/{item.portal_id}/", {"utm": "a"}).status_code
    assert len(page_keys()) == 1
    bad_page, cached = get(client, "/monitoring/", {"force": "gloucestershire", "page": "zzz"})
    assert bad_page.status_code == 200 and not cached
    assert len(page_keys()) == 1


def test_the_known_parameters_make_one_key_whatever_their_order(item):
    client = Client()
    assert get(client, "/monitoring/?page=1&force=gloucestershire")[1] is False
    assert get(client, "/monitoring/?force=gloucestershire&page=1")[1] is True
    assert get(client, "/monitoring/?force=gloucestershire&q=&page=1")[1] is True
    assert len(page_keys()) == 1
