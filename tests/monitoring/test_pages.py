"""The public monitoring portal's pages, data files, caching and public IDs (issue 15)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from monitoring.cache import public_version
from recommendations import services
from recommendations.models import Status, TrackedItem
from recommendations.policy import COMMAND_LINE
from recommendations.portal_format import importing, parse
from tests.conftest import progressed, sign_in
from tests.factories import FindingFactory, make_item

pytestmark = pytest.mark.django_db


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def published(people):
    """An item of Gloucestershire with a public and an internal comment."""
    lead = people["liaison-lead"]
    finding = FindingFactory.create(
        cause_of_concern="The force does not understand serious and organised crime.",
        text="The force should:\n\n• map threats; • share intelligence; • plan.",
    )
    item = make_item(force="gloucestershire", finding=finding, lead=lead)
    progressed(item, lead)
    services.comment_add(item=item, by=lead, text="Good progress made.", visibility="public")
    services.comment_add(item=item, by=lead, text="Chase the DCI.", visibility="internal")
    return TrackedItem.objects.get(pk=item.pk)


def test_item_page_shows_the_public_record_only(published):
    response = Client().get(f"/monitoring/gloucestershire/{published.portal_id}/")
    assert response.status_code == 200
    html = body(response)
    assert "The force does not understand serious and organised crime." in html
    assert "<li>map threats;</li>" in html and "<li>plan.</li>" in html
    assert "Good progress made." in html
    assert "Chase the DCI." not in html
    assert "Status: Being progressed" in html and "Status: Awaiting review" in html
    assert html.index("Good progress made.") < html.index("Status: Awaiting review")  # newest first
    assert "Sign out" not in html and "/recommendations/" not in html  # no internal navigation
    assert response["Cache-Control"].startswith("public")
    assert response.has_header("ETag")


def test_item_page_links_to_the_report(published):
    report = published.finding.report
    report.url = "https://www.justiceinspectorates.gov.uk/hmicfrs/peel-2016/"
    report.save()
    html = body(Client().get(f"/monitoring/gloucestershire/{published.portal_id}/"))
    assert f'<a class="govuk-link" href="{report.url}">{report.title}</a>' in html


def test_unknown_force_or_public_id_is_not_found(published):
    client = Client()
    assert client.get("/monitoring/nowhere/").status_code == 404
    assert client.get(f"/monitoring/west-midlands/{published.portal_id}/").status_code == 404
    assert client.get("/monitoring/gloucestershire/999999999/").status_code == 404
    assert client.post("/monitoring/").status_code == 405


def test_the_real_portals_address_redirects_permanently(published):
    response = Client().get(f"/hmicfrs/recommendation/gloucestershire/{published.portal_id}/")
    assert response.status_code == 301
    assert response["Location"] == f"/monitoring/gloucestershire/{published.portal_id}/"
    assert Client().get("/hmicfrs/recommendation/gloucestershire/999999999/").status_code == 404


def test_list_filters_and_bad_filter_values(published):
    other = make_item(force="west-midlands")
    client = Client()
    rows = client.get("/monitoring/", {"force": "gloucestershire"}).context["rows"]
    assert [r["public_id"] for r in rows] == [published.portal_id]
    rows = client.get("/monitoring/", {"region": "west-midlands-region"}).context["rows"]
    assert [r["public_id"] for r in rows] == [other.portal_id]
    rows = client.get("/monitoring/", {"status": Status.BEING_PROGRESSED}).context["rows"]
    assert [r["public_id"] for r in rows] == [published.portal_id]
    rows = client.get("/monitoring/", {"q": "progress made"}).context["rows"]
    assert [r["public_id"] for r in rows] == [published.portal_id]
    rows = client.get("/monitoring/", {"q": "DCI"}).context["rows"]  # internal words
    assert rows == []
    rows = client.get("/monitoring/", {"q": str(other.portal_id)}).context["rows"]
    assert [r["public_id"] for r in rows] == [other.portal_id]
    bad = client.get("/monitoring/", {"force": "atlantis", "type": "rumour"})
    assert bad.status_code == 400
    assert "There is no force called &#39;atlantis&#39;" in body(bad)
    assert "There is no type called &#39;rumour&#39;" in body(bad)


def test_force_page_groups_by_report_with_counts(published):
    make_item(force="gloucestershire")
    response = Client().get("/monitoring/gloucestershire/")
    assert response.status_code == 200
    assert response.context["total"] == 2
    assert len(response.context["reports"]) == 2
    link = f'<a class="govuk-link" href="/monitoring/gloucestershire/{published.portal_id}/">'
    assert link in body(response)
    counts = {c["status"].slug: c["count"] for c in response.context["counts"]}
    assert counts == {Status.AWAITING_REVIEW: 1, Status.BEING_PROGRESSED: 1}


def test_open_data_files(published):
    make_item(force="west-midlands")
    client = Client()
    response = client.get("/monitoring/data.csv", {"force": "gloucestershire"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert list(rows[0]) == [
        "public_id",
        "force",
        "region",
        "report",
        "published",
        "type",
        "reference",
        "status",
        "last_public_update",
        "public_page_url",
        # issue 30: appended
        "text",
        "text_cy",
        "cause_of_concern",
        "cause_of_concern_cy",
        "public_updates_cy",
    ]
    assert len(rows) == 1
    row = rows[0]
    assert row["public_id"] == str(published.portal_id)
    assert row["status"] == "Being progressed"
    assert row["public_page_url"] == (
        f"http://testserver/monitoring/gloucestershire/{published.portal_id}/"
    )
    data = json.loads(body(client.get("/monitoring/data.json")))
    assert "Open Government Licence" in data["metadata"]["licence"]
    assert len(data["items"]) == 2
    assert client.get("/monitoring/data.json", {"status": "lost"}).status_code == 400
    sitemap = body(client.get("/monitoring/sitemap.xml"))
    assert f"/monitoring/gloucestershire/{published.portal_id}/</loc>" in sitemap


def test_last_public_update_ignores_internal_entries(published, people, today):
    entry_dates = published.timeline.filter(visibility="public").values_list("date", flat=True)
    row = Client().get("/monitoring/").context["rows"][0]
    assert row["last_public_update"] == max(entry_dates)
    # An internal entry dated later than every public one changes nothing.
    assert published.timeline.filter(visibility="internal").exists()


def test_portal_page_download_round_trips_with_public_entries_only(published):
    response = Client().get(f"/monitoring/gloucestershire/{published.portal_id}/portal-page.txt")
    assert response.status_code == 200
    text = body(response)
    assert "Chase the DCI." not in text
    page = parse.parse(text)
    stored = [
        (e.date, e.kind, e.status_id if e.kind == "status" else e.text)
        for e in published.timeline.filter(visibility="public").order_by("date", "position")
    ]
    assert [(e.date, e.kind, e.value) for e in page.entries] == stored
    assert (page.force_slug, page.portal_id) == ("gloucestershire", published.portal_id)
    assert page.text == published.finding.text
    # The importer reads it back as the same item: nothing new.
    plan = importing.plan(
        [("page.txt", text.encode())],
        by=COMMAND_LINE,
        report_slug=published.finding.report.slug,
    )
    assert plan.ok, plan.problems
    assert [f.outcome for f in plan.files] == ["unchanged"]


def cached_get(client: Client, address: str):
    """The response, and whether it came from the cache (a stored page is answered
    without a query; no header says so)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    return response, len(queries) == 0


def test_conditional_requests_get_304(published):
    client = Client()
    address = f"/monitoring/gloucestershire/{published.portal_id}/"
    first = client.get(address)
    again = client.get(address, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    data = client.get("/monitoring/data.csv")
    assert client.get("/monitoring/data.csv", HTTP_IF_NONE_MATCH=data["ETag"]).status_code == 304


def test_cached_pages_change_with_a_public_entry_only(
    published, people, django_capture_on_commit_callbacks
):
    lead = people["liaison-lead"]
    client = Client()
    address = f"/monitoring/gloucestershire/{published.portal_id}/"
    first, cached = cached_get(client, address)
    assert not cached
    assert cached_get(client, address)[1]
    version = public_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(item=published, by=lead, text="Still internal", visibility="internal")
    assert public_version() == version
    again, cached = cached_get(client, address)
    assert cached and again["ETag"] == first["ETag"]
    assert client.get(address, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(item=published, by=lead, text="Now published", visibility="public")
    assert public_version() != version
    fresh, cached = cached_get(client, address)
    assert not cached
    assert "Now published" in body(fresh)
    assert client.get(address, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_changed_finding_changes_the_public_version(
    published, django_capture_on_commit_callbacks
):
    version = public_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_with_history(published.finding, by=None, reason="typo")
    assert public_version() != version


def test_signed_in_people_get_no_store_even_on_public_pages(published, people):
    client = sign_in(Client(), people["inspector"])
    response = client.get(f"/monitoring/gloucestershire/{published.portal_id}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    internal = client.get(f"/recommendations/{published.pk}/")
    assert internal["Cache-Control"] == "no-store"
    assert "public" not in internal["Cache-Control"]


def test_query_budgets(published, django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(3):
        client.get(f"/monitoring/gloucestershire/{published.portal_id}/")
    with django_assert_max_num_queries(7):
        client.get("/monitoring/", {"q": "progress", "status": Status.BEING_PROGRESSED})
    with django_assert_max_num_queries(5):  # with its monitoring stage (engage)
        client.get("/monitoring/gloucestershire/")
    with django_assert_max_num_queries(3):
        client.get(f"/monitoring/gloucestershire/{published.portal_id}/portal-page.txt")
    with django_assert_max_num_queries(0):  # cached
        client.get(f"/monitoring/gloucestershire/{published.portal_id}/")


def test_every_item_gets_a_public_id_above_the_imported_ones():
    imported = make_item(force="gloucestershire", portal_id=88_000)
    new = make_item(force="gloucestershire")
    assert imported.portal_id == 88_000
    assert new.portal_id is not None and new.portal_id > 88_000
    assert TrackedItem.objects.filter(portal_id__isnull=True).count() == 0
    if connection.vendor == "postgresql":
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            TrackedItem.objects.filter(pk=new.pk).update(portal_id=None)


def test_internal_csv_export_gives_every_items_public_id(people):
    items = [make_item(force="gloucestershire"), make_item(force="gloucestershire", portal_id=42)]
    client = sign_in(Client(), people["inspector"])
    response = client.get("/recommendations/export.csv", {"status": "all"})
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert sorted(int(r["portal_id"]) for r in rows) == sorted(i.portal_id for i in items)


@pytest.mark.parametrize(
    "query", ["force -zebrafish", "-zebrafish force", 'force -"zebrafish operation"']
)
def test_a_negated_word_tells_nothing_of_internal_entries(people, query):
    """Security review finding: the public search filtered on the item's whole search
    document, so `-word` revealed whether an internal entry contained the word."""
    lead = people["liaison-lead"]
    texts = dict(cause_of_concern="The force lacks a plan.", text="The force should plan.")
    secret = make_item(force="gloucestershire", finding=FindingFactory.create(**texts))
    plain = make_item(force="gloucestershire", finding=FindingFactory.create(**texts))
    services.comment_add(
        item=secret, by=lead, text="Zebrafish operation briefing.", visibility="internal"
    )
    html = body(Client().get("/monitoring/", {"q": query}))
    assert f"/monitoring/gloucestershire/{secret.portal_id}/" in html
    assert f"/monitoring/gloucestershire/{plain.portal_id}/" in html


def test_the_public_download_says_what_it_is_in_plain_words(published):
    """Not "Download as portal page": the public do not know the format's name."""
    html = body(Client().get(f"/monitoring/gloucestershire/{published.portal_id}/"))
    assert "Download this recommendation and its updates (text file)" in html
    assert "Download as portal page" not in html
