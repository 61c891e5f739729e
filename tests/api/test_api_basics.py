"""The API's contracts: tokens, shapes, errors as problem+json, PATCH with If-Match."""

import datetime as dt

import pytest
from django.utils import timezone

from api import services as token_services
from api.models import ApiToken
from recommendations import services
from recommendations.models import TimelineEntry, TrackedItem
from tests.api.conftest import ApiClient
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


def test_list_answers_next_previous_results_with_the_item_contract(api_as):
    item = make_item(force="gloucestershire", portal_id=8786)
    response = api_as("liaison-officer").get("/api/v1/items/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    [row] = body["results"]
    assert row["id"] == item.pk
    assert row["public_id"] == 8786
    assert row["force"] == "gloucestershire"
    assert row["status"] == "awaiting-review"
    assert row["version"] == item.version


def test_no_token_is_401_problem_json(client):
    response = client.get("/api/v1/items/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_wrong_token_is_401():
    response = ApiClient("rt_not-a-token").get("/api/v1/items/")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_expired_revoked_and_deactivated_tokens_stop_at_once(people, token_for):
    officer = people["liaison-officer"]
    token, secret = token_for(officer)
    client = ApiClient(secret)
    assert client.get("/api/v1/items/").status_code == 200
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=now - dt.timedelta(days=31), expires_at=now - dt.timedelta(seconds=1)
    )
    assert client.get("/api/v1/items/").status_code == 401

    token, secret = token_for(officer)
    client = ApiClient(secret)
    token_services.token_revoke(token=token, by=officer)
    assert client.get("/api/v1/items/").status_code == 401

    token, secret = token_for(officer)
    client = ApiClient(secret)
    assert client.get("/api/v1/items/").status_code == 200
    officer.is_active = False
    officer.save()
    assert client.get("/api/v1/items/").status_code == 401


def test_a_lost_role_loses_the_tokens_power_at_once(people, token_for):
    lead = people["liaison-lead"]
    item = progressed(make_item(force="gloucestershire"), lead)
    _, secret = token_for(lead)
    client = ApiClient(secret)
    assert client.get(f"/api/v1/items/{item.pk}/").status_code == 200
    lead.groups.clear()
    body = {"text": "Still here?", "visibility": "internal"}
    assert client.post(f"/api/v1/items/{item.pk}/comments/", body).status_code == 403
    assert not TimelineEntry.objects.filter(item=item, text="Still here?").exists()


def test_the_token_records_when_and_where_it_was_used(people, token_for):
    token, secret = token_for(people["inspector"])
    ApiClient(secret).get("/api/v1/items/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_ip == "127.0.0.1"
    assert ApiToken.objects.get(pk=token.pk).token_hash != secret


def test_detail_has_timeline_with_visibility_and_etag(api_as, people):
    lead = people["liaison-lead"]
    item = progressed(make_item(force="gloucestershire"), lead)
    services.comment_add(item=item, by=lead, text="Public note", visibility="public")
    response = api_as("liaison-lead").get(f"/api/v1/items/{item.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert [e["visibility"] for e in body["timeline"]][-1] == "public"
    assert body["timeline"][-1]["text"] == "Public note"
    assert body["open_proposal"] is None
    assert body["owner"]["name"] == ""


def test_outside_scope_is_404_and_not_403(api_as):
    item = make_item(force="west-midlands")
    response = api_as("liaison-officer").get(f"/api/v1/items/{item.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_progress_update_is_201_and_one_service_call(api_as):
    item = make_item(force="gloucestershire")
    response = api_as("liaison-officer").post(
        f"/api/v1/items/{item.pk}/progress-updates/", {"text": "Training delivered"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["visibility"] == "internal"
    assert response.json()["event"] == "progress-update"
    assert TrackedItem.objects.get(pk=item.pk).version == item.version + 1


def test_empty_progress_update_is_422_naming_the_field(api_as):
    item = make_item(force="gloucestershire")
    response = api_as("liaison-officer").post(
        f"/api/v1/items/{item.pk}/progress-updates/", {"text": "   "}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"


def test_comment_without_visibility_is_422(api_as):
    item = make_item(force="gloucestershire")
    response = api_as("liaison-lead").post(f"/api/v1/items/{item.pk}/comments/", {"text": "Hi"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "visibility"


def test_patch_needs_if_match_and_a_stale_version_is_412(api_as):
    item = make_item(force="gloucestershire")
    client = api_as("liaison-officer")
    url = f"/api/v1/items/{item.pk}/"
    assert client.patch(url, {"owner_name": "Lee"}).status_code == 428
    ok = client.patch(url, {"owner_name": "Lee"}, headers={"If-Match": f'"{item.version}"'})
    assert ok.status_code == 200, ok.json()
    assert ok.json()["owner"]["name"] == "Lee"
    assert ok["ETag"] == f'"{item.version + 1}"'
    stale = client.patch(url, {"owner_name": "Sam"}, headers={"If-Match": f'"{item.version}"'})
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert TrackedItem.objects.get(pk=item.pk).owner_name == "Lee"


def test_moving_the_target_date_without_a_reason_is_422(api_as):
    item = make_item(force="gloucestershire")
    client = api_as("liaison-officer")
    url = f"/api/v1/items/{item.pk}/"
    first = client.patch(
        url, {"target_date": "2030-01-31"}, headers={"If-Match": str(item.version)}
    )
    assert first.status_code == 200
    version = first.json()["version"]
    moved = client.patch(url, {"target_date": "2030-06-30"}, headers={"If-Match": f'"{version}"'})
    assert moved.status_code == 422
    assert moved.json()["errors"] == [
        {"field": "reason", "detail": "Enter the reason the target date is moving."}
    ]
    with_reason = client.patch(
        url,
        {"target_date": "2030-06-30", "reason": "Waiting for the new system"},
        headers={"If-Match": f'"{version}"'},
    )
    assert with_reason.status_code == 200
    assert with_reason.json()["target_date"] == "2030-06-30"


def test_closure_journey_through_the_api(api_as, people):
    lead = people["liaison-lead"]
    item = progressed(make_item(force="gloucestershire"), lead)
    proposed = api_as("liaison-lead").post(
        f"/api/v1/items/{item.pk}/closure-proposals/",
        {"reason": "Evidence reviewed", "verified_by": "documents"},
    )
    assert proposed.status_code == 201, proposed.json()
    pid = proposed.json()["id"]
    chief = api_as("chief-of-staff")
    url = f"/api/v1/items/{item.pk}/closure-proposals/{pid}/authorise/"
    first = chief.post(url, {})
    assert first.status_code == 200
    assert first.json()["state"] == "authorised"
    again = chief.post(url, {})
    assert again.status_code == 409
    assert again.json()["detail"] == "This closure has already been authorised."
    assert TrackedItem.objects.get(pk=item.pk).status_id == "complete"


def test_closure_is_a_leads_to_propose_and_a_chiefs_to_decide(api_as, people):
    """Through the API as on the pages: an administrator neither proposes nor decides."""
    item = progressed(make_item(force="gloucestershire"), people["admin"])
    url = f"/api/v1/items/{item.pk}/closure-proposals/"
    refused = api_as("admin").post(url, {"reason": "Met", "verified_by": "insight"})
    assert refused.status_code == 403
    pid = api_as("liaison-lead").post(url, {"reason": "Met", "verified_by": "insight"}).json()["id"]
    for who in ("admin", "liaison-lead"):
        decided = api_as(who).post(f"{url}{pid}/authorise/", {})
        assert decided.status_code == 403
    assert api_as("chief-of-staff").post(f"{url}{pid}/authorise/", {}).status_code == 200


def test_a_bad_filter_is_422_naming_it(api_as):
    response = api_as("inspector").get("/api/v1/items/", {"force": "atlantis"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "force"
    bad_time = api_as("inspector").get("/api/v1/items/", {"updated_since": "yesterday"})
    assert bad_time.status_code == 422
    assert bad_time.json()["errors"][0]["field"] == "updated_since"


def test_updated_since_returns_only_items_changed_after(api_as, people):
    old = make_item(force="gloucestershire")
    TrackedItem.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    cutoff = timezone.now() - dt.timedelta(days=1)
    changed = make_item(force="gloucestershire")
    TrackedItem.objects.filter(pk=changed.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=3)
    )
    services.comment_add(
        item=changed, by=people["liaison-lead"], text="News", visibility="internal"
    )
    response = api_as("inspector").get("/api/v1/items/", {"updated_since": cutoff.isoformat()})
    assert [r["id"] for r in response.json()["results"]] == [changed.pk]


def test_cursor_pages_through_every_item_once(api_as):
    ids = {make_item(force="gloucestershire").pk for _ in range(7)}
    client = api_as("inspector")
    seen = []
    url = "/api/v1/items/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert seen == sorted(ids)


def test_reports_and_findings(api_as):
    item = make_item(force="gloucestershire")
    make_item(force="west-midlands", finding=item.finding)
    report = item.finding.report
    client = api_as("liaison-officer")
    reports = client.get("/api/v1/reports/").json()
    assert report.slug in [r["slug"] for r in reports["results"]]
    detail = client.get(f"/api/v1/reports/{report.slug}/").json()
    assert detail["findings"][0]["items_visible"] == 1
    finding = client.get(f"/api/v1/findings/{item.finding_id}/").json()
    assert [r["force"] for r in finding["items"]] == ["gloucestershire"]
    assert finding["totals"]["statuses"]["awaiting-review"] == 1
    assert sum(finding["totals"]["statuses"].values()) == finding["totals"]["total"] == 1
    assert finding["all_forces"] is False
    national = api_as("inspector").get(f"/api/v1/findings/{item.finding_id}/").json()
    assert len(national["items"]) == 2
    assert api_as("liaison-officer").get("/api/v1/reports/no-such/").status_code == 404
