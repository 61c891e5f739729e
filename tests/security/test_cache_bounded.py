"""The public page cache is bounded (issue 23, finding 2): only finite, canonical
addresses are stored (a reference that exists, a page number inside the page range, a
known filter choice), so an anonymous visitor sending new searches or odd page numbers
adds no keys; and no response says whether it came from the cache, so nobody learns what
others searched for."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from monitoring import cache as public_cache
from monitoring import views
from recommendations.models import Status
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_pending_bump(monkeypatch):
    monkeypatch.setattr(public_cache, "_bump_pending", False, raising=False)


@pytest.fixture
def items(people, monkeypatch):
    """Five public items of Gloucestershire, two to a page: three pages."""
    monkeypatch.setattr(views, "PER_PAGE", 2)
    lead = people["liaison-lead"]
    made = []
    for _ in range(5):
        item = make_item(force="gloucestershire", lead=lead)
        progressed(item, lead)
        made.append(item)
    return made


def page_keys() -> list[str]:
    stored = caches["public"]._cache  # type: ignore[attr-defined]  # LocMemCache's own dict: the stored keys
    return [k for k in stored if "monitoring:page:" in k]


def served_from_cache(client: Client, address: str, **params: str) -> bool:
    """Whether the page came from the cache: a stored page is answered without a query."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, params)
    assert response.status_code == 200, (address, params, response.status_code)
    return len(queries) == 0


def test_new_searches_and_odd_page_numbers_add_no_keys(items):
    client = Client()
    for address in ("/monitoring/", "/monitoring/?page=2", "/monitoring/?page=3"):
        assert client.get(address).status_code == 200
    first = items[0]
    assert client.get(f"/monitoring/gloucestershire/{first.portal_id}/").status_code == 200
    assert client.get("/monitoring/gloucestershire/").status_code == 200
    bound = len(page_keys())
    assert bound == 5  # the three pages of the list, the item and the force

    for n in range(300):
        assert client.get("/monitoring/", {"q": f"word{n}"}).status_code == 200
    odd_pages = ["0" * n + "1" for n in range(1, 40)] + ["999999", "4", "last", "02", "-1"]
    for page in odd_pages:
        assert client.get("/monitoring/", {"page": page}).status_code == 200
        assert client.get("/monitoring/", {"status": Status.BEING_PROGRESSED, "page": page})
    for n in range(1, 30):  # the same status, again and again, and all the pairs
        assert client.get("/monitoring/", {"status": [Status.BEING_PROGRESSED] * n})
    statuses = list(Status.objects.values_list("slug", flat=True))
    for a in statuses:
        for b in statuses:
            client.get("/monitoring/", {"status": [a, b], "force": "gloucestershire"})
    for zeros in range(1, 40):  # the item's address with its number padded
        padded = f"/monitoring/gloucestershire/{'0' * zeros}{first.portal_id}/"
        assert client.get(padded).status_code == 200
    # Empty filter values (the filter form sends every field) are the same address.
    client.get("/monitoring/", {"q": "", "force": "", "region": "", "page": "2"})
    # One known filter value: one key more, whatever else is tried.
    client.get("/monitoring/", {"status": Status.BEING_PROGRESSED})
    assert len(page_keys()) <= bound + 1


def test_a_search_is_served_uncached_and_still_finds(items):
    client = Client()
    wanted = items[0]
    for _ in range(2):
        assert not served_from_cache(client, "/monitoring/", q=str(wanted.portal_id))
    response = client.get("/monitoring/", {"q": str(wanted.portal_id)})
    assert f"public ID {wanted.portal_id}" in response.content.decode()
    assert page_keys() == []


def test_the_canonical_pages_are_still_cached(items):
    client = Client()
    for params in ({}, {"page": "2"}, {"force": "gloucestershire"}, {"q": "", "force": ""}):
        served_from_cache(client, "/monitoring/", **params)
    assert served_from_cache(client, "/monitoring/")
    assert served_from_cache(client, "/monitoring/", page="2")
    assert served_from_cache(client, "/monitoring/", force="gloucestershire")
    assert served_from_cache(client, "/monitoring/", q="", force="", region="")
    address = f"/monitoring/gloucestershire/{items[0].portal_id}/"
    served_from_cache(client, address)
    assert served_from_cache(client, address)


def test_no_response_says_whether_it_was_cached(items):
    client = Client()
    address = f"/monitoring/gloucestershire/{items[0].portal_id}/"
    for url in (address, "/monitoring/", "/monitoring/?force=gloucestershire"):
        miss = client.get(url)
        hit = client.get(url)
        assert miss.status_code == hit.status_code == 200
        headers = {name: value for name, value in miss.headers.items() if name != "X-Request-ID"}
        assert headers == {n: v for n, v in hit.headers.items() if n != "X-Request-ID"}, url
        assert not any("cache" in name.lower() and name != "Cache-Control" for name in hit.headers)
    searched = client.get("/monitoring/", {"q": "anything"})
    assert not any("cache" in name.lower() and name != "Cache-Control" for name in searched.headers)
