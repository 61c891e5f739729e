"""Issue 23, findings 7 and 9: the API's bounds. A JSON body too large or too deeply
nested, and a cursor the API did not give out, are problem+json answers (never a 500);
the API's dates follow the forms' rules (a past target date is confirmed, no year
before 1900)."""

import base64
import datetime as dt
import json
import random

import pytest

from recommendations.models import TimelineEntry, TrackedItem
from recommendations.selectors import today
from tests.api.conftest import ApiClient
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_throttles")]


PROBLEM_JSON = "application/problem+json"


def raw_post(client: ApiClient, url: str, body: bytes):
    return client.client.post(
        url, body, content_type="application/json", headers=client._headers(None)
    )


def is_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    return body


# --- Bodies --------------------------------------------------------------------------


@pytest.fixture
def progressed_item(people):
    return progressed(make_item(force="gloucestershire"), people["liaison-lead"])


@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_a_body_nested_100000_deep_is_400_problem_json(api_as, progressed_item, opener, closer):
    depth = 100_000
    body = (opener * depth + "1" + closer * depth).encode()
    response = raw_post(
        api_as("liaison-officer"), f"/api/v1/items/{progressed_item.pk}/progress-updates/", body
    )
    problem = is_problem(response, 400)
    assert "nested" in problem["detail"]


def test_nesting_is_counted_as_json_counts_it(api_as, progressed_item, settings):
    """Brackets inside strings are text, not nesting; 32 levels are fine, 33 are not."""
    url = f"/api/v1/items/{progressed_item.pk}/progress-updates/"
    client = api_as("liaison-officer")
    text = "[[[[{{{{ brackets in text" * 10
    ok = {"text": text, "extra": json.loads("[" * 31 + "]" * 31)}  # 32 with the body
    assert raw_post(client, url, json.dumps(ok).encode()).status_code == 201
    deep = {"text": "x", "extra": json.loads("[" * 32 + "]" * 32)}  # 33
    is_problem(raw_post(client, url, json.dumps(deep).encode()), 400)


def test_a_body_over_the_limit_is_refused_unparsed(api_as, progressed_item, settings):
    settings.API_MAX_BODY_BYTES = 1000
    url = f"/api/v1/items/{progressed_item.pk}/progress-updates/"
    client = api_as("liaison-officer")
    body = json.dumps({"text": "x" * 2000}).encode()
    problem = is_problem(raw_post(client, url, body), 413)
    assert "1,000 bytes" in problem["detail"]
    small = json.dumps({"text": "x" * 100}).encode()
    assert raw_post(client, url, small).status_code == 201


def test_a_body_of_a_megabyte_and_more_is_refused_by_default(api_as, progressed_item):
    url = f"/api/v1/items/{progressed_item.pk}/progress-updates/"
    body = json.dumps({"text": "x" * (1024 * 1024)}).encode()
    is_problem(raw_post(api_as("liaison-officer"), url, body), 413)
    assert not TimelineEntry.objects.filter(item=progressed_item, text__startswith="xxx").exists()


def test_bad_json_is_still_400(api_as, progressed_item):
    url = f"/api/v1/items/{progressed_item.pk}/progress-updates/"
    for body in (b"{", b'{"text": NaN}', b"\xff\xfe"):
        is_problem(raw_post(api_as("liaison-officer"), url, body), 400)


# --- Cursors -------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        b64(b"p=1' OR '1'='1"),
        b64(b"p=\x00"),
        b64(b"p=1\x00"),
        b64(random.Random(48).randbytes(48)),  # random bytes, the same in every process
        b64(b"\xff\xfe\xfd"),
        b64(b"p=99999999999999999999999999"),
        b64(b"p=-1"),
        b64(b"o=-1"),
        b64(b"o=abc"),
        b64(b"r=2"),
        b64(b"x=1"),
        "not base64!",
        "%%%",
        "cD0x=garbage",
        "\u00e9t\u00e9",
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/items/", "/api/v1/reports/"])
def test_a_cursor_the_api_did_not_give_out_is_400_naming_it(api_as, cursor, path):
    make_item(force="gloucestershire")
    client = api_as("liaison-officer")
    client.client.raise_request_exception = False  # a 500 is an answer to fail on here
    problem = is_problem(client.get(path, {"cursor": cursor}), 400)
    assert problem["errors"] == [{"field": "cursor", "detail": problem["detail"]}]
    assert "cursor" in problem["detail"]


def test_the_cursors_the_api_gives_out_still_page(api_as):
    made = [make_item(force="gloucestershire").pk for _ in range(3)]
    client = api_as("liaison-officer")
    seen, url = [], "/api/v1/items/?page_size=1"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += [row["id"] for row in page.json()["results"]]
        url = page.json()["next"]
    assert seen == made
    back = client.get(page.json()["previous"])
    assert back.status_code == 200 and back.json()["results"][0]["id"] == made[-2]


# --- Dates ---------------------------------------------------------------------------


def patch(client, item, body):
    item = TrackedItem.objects.get(pk=item.pk)
    return client.patch(
        f"/api/v1/items/{item.pk}/", body, headers={"If-Match": f'"{item.version}"'}
    )


def test_a_past_target_date_needs_confirm_past_date(api_as, item):
    client = api_as("liaison-officer")
    refused = patch(client, item, {"target_date": "2001-01-01"})
    problem = is_problem(refused, 422)
    [error] = problem["errors"]
    assert error["field"] == "confirm_past_date"
    assert "1 January 2001" in error["detail"] and "in the past" in error["detail"]
    assert TrackedItem.objects.get(pk=item.pk).target_date is None
    kept = patch(client, item, {"target_date": "2001-01-01", "confirm_past_date": True})
    assert kept.status_code == 200
    assert kept.json()["target_date"] == "2001-01-01"
    # Unchanged, it needs no confirming again (the owner alone changes).
    assert patch(client, item, {"owner_name": "Lee Smith"}).status_code == 200
    future = (today() + dt.timedelta(days=30)).isoformat()
    moved = patch(client, item, {"target_date": future, "reason": "Later"})
    assert moved.status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01", "1000-01-01", "1899-12-31"])
def test_a_target_date_before_1900_is_refused_naming_it(api_as, item, value):
    body = {"target_date": value, "confirm_past_date": True}
    problem = is_problem(patch(api_as("liaison-officer"), item, body), 422)
    assert problem["errors"][0]["field"] == "target_date"
    assert "1900 or later" in problem["errors"][0]["detail"]


@pytest.mark.parametrize("path", ["progress-updates", "comments"])
@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31"])
def test_an_entry_dated_before_1900_is_refused_naming_it(api_as, progressed_item, path, value):
    role = "liaison-officer" if path == "progress-updates" else "liaison-lead"
    body = {"text": "Old news", "date": value, "visibility": "internal"}
    response = api_as(role).post(f"/api/v1/items/{progressed_item.pk}/{path}/", body)
    problem = is_problem(response, 422)
    assert problem["errors"][0]["field"] == "date"
    assert not TimelineEntry.objects.filter(item=progressed_item, text="Old news").exists()


def test_the_schema_documents_confirm_past_date(api_as):
    schema = api_as("liaison-officer").get("/api/v1/schema/").json()
    patch_body = schema["components"]["schemas"]["PatchedItemPatchInRequest"]["properties"]
    assert patch_body["confirm_past_date"]["type"] == "boolean"


# The same date rules at the other doors: the forms and the services.


def test_the_owner_form_refuses_a_year_before_1900(client_as, item):
    from django.urls import reverse

    url = reverse("recommendations:action", args=[item.pk, "owner"])
    data = {"version": item.version, "confirm_past_date": "on"}
    parts = {"target_date_0": "31", "target_date_1": "12", "target_date_2": "1899"}
    refused = client_as("liaison-officer").post(url, {**data, **parts})
    assert refused.status_code == 400
    assert "The target date must be in 1900 or later" in refused.content.decode()
    parts["target_date_2"] = "1900"
    assert client_as("liaison-officer").post(url, {**data, **parts}).status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).target_date == dt.date(1900, 12, 31)


def test_the_services_refuse_a_year_before_1900(people, progressed_item):
    from recommendations import errors, services

    with pytest.raises(errors.DomainError) as refused:
        services.comment_add(
            item=progressed_item,
            by=people["liaison-officer"],
            text="Old news",
            on=dt.date(1, 1, 1),
            action="progress-update",
        )
    assert refused.value.field == "date"
    item = TrackedItem.objects.get(pk=progressed_item.pk)
    with pytest.raises(errors.DomainError) as refused:
        services.owner_set(
            item=item,
            by=people["liaison-officer"],
            version=item.version,
            owner_name="",
            owner_rank="",
            owner_department="",
            target_date=dt.date(1899, 12, 31),
        )
    assert refused.value.field == "target_date"


@pytest.mark.parametrize(
    "since",
    [
        "5003-01-09T01:04:04.991+19:50",  # found by schemathesis: PostgreSQL refused it, a 500
        "2025-01-01T00:00:00+15:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_an_updated_since_the_database_cannot_compare_is_refused(api_as, since):
    response = api_as("inspector").get("/api/v1/items/", {"updated_since": since})
    assert response.status_code == 422, response.content  # as every bad filter value
    assert response["Content-Type"].startswith(PROBLEM_JSON)
    assert "updated_since" in response.content.decode()


def test_a_real_offset_still_syncs(api_as):
    response = api_as("inspector").get(
        "/api/v1/items/", {"updated_since": "2025-03-27T09:30:00+13:45"}
    )
    assert response.status_code == 200
