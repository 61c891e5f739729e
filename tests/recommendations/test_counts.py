"""The counts table (issue 29, migration 0022, ADR 0019) equals a GROUP BY of the items
after every kind of change, whichever door it came through: creation, each service that
moves a status, a bulk action, an import, a reopening, the seeder's COPY, a delete; and
the list's counts read it when the filter allows, bounded otherwise."""

import pytest
from django.db import connection
from django.urls import reverse

from devdata.seeding import seed
from recommendations import counts, services
from recommendations.models import Finding, InspectionReport, Status, TrackedItem
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item
from tests.recommendations.test_importing import GLOS_5, GLOS_8786, run_import

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the table is PostgreSQL's"),
]


def assert_table_equals_items():
    expected = counts.grouped_from_items()
    assert counts.from_table() == expected
    by_force: dict[tuple[int, str], int] = {}
    for (force, status, _report), n in expected.items():
        by_force[(force, status)] = by_force.get((force, status), 0) + n
    assert counts.from_force_table() == by_force
    return expected


def test_creating_items_counts_them_per_force_status_and_report():
    report = ReportFactory()
    first = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    make_item(force="devon-and-cornwall", finding=FindingFactory(report=report))
    table = assert_table_equals_items()
    assert table[(first.force_id, Status.AWAITING_REVIEW, report.pk)] == 1
    assert counts.by_status([first.force_id]) == {Status.AWAITING_REVIEW: 1}
    assert counts.by_status(None, [report.pk]) == {Status.AWAITING_REVIEW: 2}


def test_every_service_that_moves_a_status_keeps_the_table(people):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    items = [make_item() for _ in range(4)]
    for item in items:
        progressed(item, lead)
    assert_table_equals_items()
    services.status_change(item=items[0], by=lead, to=Status.AWAITING_REVIEW)
    assert_table_equals_items()
    services.no_further_action(item=items[1], by=lead, reason="Superseded by a later report")
    assert_table_equals_items()
    services.closure_propose(item=items[2], by=lead, reason="Met", verified_by="documents")
    assert_table_equals_items()  # a proposal moves no status
    services.closure_authorise(item=items[2], by=chief)
    assert_table_equals_items()
    services.closure_propose(item=items[3], by=lead, reason="Met", verified_by="documents")
    services.closure_return(item=items[3], by=chief, reason="Show the audit first")
    assert_table_equals_items()
    services.comment_add(item=items[3], by=lead, text="Chased the force", visibility="internal")
    table = assert_table_equals_items()
    report_of = {i.pk: i.finding.report_id for i in items}
    assert table[(items[2].force_id, Status.COMPLETE, report_of[items[2].pk])] == 1


def test_reopening_moves_the_count_back_to_open(people):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    item = progressed(make_item(), lead)
    services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
    services.closure_authorise(item=item, by=chief)
    assert counts.by_status([item.force_id])[Status.COMPLETE] == 1
    services.item_reopen(
        item=TrackedItem.objects.get(pk=item.pk),
        by=chief,
        reason="Found again at the 2026 inspection",
        public_reason="A later inspection found it",
    )
    assert counts.by_status([item.force_id]) == {Status.BEING_PROGRESSED: 1}
    assert_table_equals_items()


def test_a_bulk_action_keeps_the_table(client_as, people):
    lead = people["liaison-lead"]
    report = ReportFactory()
    items = [progressed(make_item(finding=FindingFactory(report=report)), lead) for _ in range(5)]
    for item in items:
        services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
    response = client_as("chief-of-staff").post(
        "/bulk/",
        {
            "item": [i.pk for i in items],
            "next": "/recommendations/",
            "action": "authorise-closure",
            "reason": "Evidence seen",
            "step": "confirm",
        },
    )
    assert response.status_code == 302
    assert counts.by_status(None, [report.pk]) == {Status.COMPLETE: 5}
    assert_table_equals_items()


def test_an_import_keeps_the_table():
    ReportFactory(slug="peel-2016-national", kind="national")
    code, _out, err = run_import(GLOS_8786, GLOS_5, force="gloucestershire")
    assert code == 0, err
    assert TrackedItem.objects.count() == 2
    assert_table_equals_items()


def test_bulk_statements_a_moved_finding_and_deletes_keep_the_table():
    report, other = ReportFactory(), ReportFactory()
    items = [make_item(finding=FindingFactory(report=report)) for _ in range(3)]
    # One UPDATE of many rows (as a data fix would), then one that changes nothing counted.
    TrackedItem.objects.filter(pk__in=[i.pk for i in items[:2]]).update(
        status_id=Status.BEING_PROGRESSED
    )
    TrackedItem.objects.filter(pk__in=[i.pk for i in items]).update(owner_name="Kate Jones")
    assert counts.by_status(None, [report.pk]) == {
        Status.AWAITING_REVIEW: 1,
        Status.BEING_PROGRESSED: 2,
    }
    Finding.objects.filter(pk=items[0].finding_id).update(report=other)
    assert counts.by_status(None, [other.pk]) == {Status.BEING_PROGRESSED: 1}
    assert_table_equals_items()
    # Items are never deleted by the portal; one without a timeline can be, by SQL.
    bare = services.item_create(
        finding=FindingFactory(report=report),
        force=items[0].force,
        by=None,
        with_first_entry=False,
    )
    assert counts.by_status(None, [report.pk])[Status.AWAITING_REVIEW] == 2
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM recommendations_trackeditem WHERE id = %s", [bare.pk])
    assert_table_equals_items()
    assert counts.by_status(None, [report.pk]) == {
        Status.AWAITING_REVIEW: 1,
        Status.BEING_PROGRESSED: 1,
    }


def test_the_seeders_copy_keeps_the_table():
    result = seed(items=300, seed=91)
    assert result.items == 300
    table = assert_table_equals_items()
    assert sum(table.values()) == TrackedItem.objects.count()


def test_the_list_counts_from_the_table_and_bounds_what_it_cannot(client_as, monkeypatch):
    report = ReportFactory(title="Custody 2025")
    for _ in range(3):
        make_item(finding=FindingFactory(report=report))
    inspector = client_as("inspector")
    page = inspector.get(reverse("recommendations:list"), {"report": report.slug})
    html = page.content.decode()
    assert "3 items" in html and "Awaiting review: 3" in html
    # A filter the table cannot answer is counted from the items, up to the bound.
    monkeypatch.setattr(counts, "BOUND", 2)
    page = inspector.get(reverse("recommendations:list"), {"owner": "", "stale": "no"})
    html = page.content.decode()
    assert "More than 2 items" in html and "count=exact" in html
    exact = inspector.get(reverse("recommendations:list"), {"stale": "no", "count": "exact"})
    html = exact.content.decode()
    assert "3 items" in html and "More than" not in html
    # Within the bound, the count is exact without asking.
    monkeypatch.setattr(counts, "BOUND", 10)
    assert (
        "3 items"
        in inspector.get(reverse("recommendations:list"), {"stale": "no"}).content.decode()
    )


def test_a_scoped_persons_report_options_come_from_the_table(client_as):
    ours = ReportFactory(title="Ours in Gloucestershire")
    theirs = ReportFactory(title="Only in Kent")
    make_item(force="gloucestershire", finding=FindingFactory(report=ours))
    make_item(force="kent", finding=FindingFactory(report=theirs))
    html = client_as("liaison-officer").get(reverse("recommendations:list")).content.decode()
    assert "Ours in Gloucestershire" in html
    assert "Only in Kent" not in html
    assert InspectionReport.objects.count() == 2


# The report picker's JSON endpoint -------------------------------------------------------


@pytest.mark.parametrize(
    "role, sees_kent",
    [
        ("liaison-officer", False),
        ("liaison-lead", False),
        ("chief-of-staff", False),
        ("inspector", True),
        ("admin", True),
    ],
)
def test_the_report_endpoint_offers_the_reports_of_the_persons_scope(client_as, role, sees_kent):
    ours = ReportFactory(title="Custody in Gloucestershire")
    kent = ReportFactory(title="Custody in Kent")
    make_item(force="gloucestershire", finding=FindingFactory(report=ours))
    make_item(force="kent", finding=FindingFactory(report=kent))
    response = client_as(role).get(reverse("recommendations:reports_json"), {"q": "custody"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    results = response.json()["results"]
    assert {"value": ours.slug, "label": ours.title} in results
    assert ({"value": kent.slug, "label": kent.title} in results) is sees_kent


def test_the_report_endpoint_matches_every_word_and_bounds_its_input(client_as):
    wanted = ReportFactory(title="PEEL: Police effectiveness 2016")
    ReportFactory(title="PEEL: Police efficiency 2016")
    for n in range(25):
        ReportFactory(title=f"Thematic {n}")
    inspector = client_as("inspector")
    url = reverse("recommendations:reports_json")
    found = inspector.get(url, {"q": "effectiveness peel"}).json()["results"]
    assert found == [{"value": wanted.slug, "label": wanted.title}]
    assert len(inspector.get(url).json()["results"]) == 20  # at most 20
    long = inspector.get(url, {"q": "x" * 5000})  # read up to 100 characters: no error
    assert long.status_code == 200 and long.json()["results"] == []


def test_the_report_endpoint_needs_a_sign_in_and_is_rate_limited(client, client_as, settings):
    url = reverse("recommendations:reports_json")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    settings.REPORTS_JSON_RATE = "3/m"
    officer = client_as("liaison-officer")
    codes = [officer.get(url, {"q": "a"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Too many requests" in officer.get(url).json()["error"]


def test_the_list_points_the_report_picker_at_the_endpoint(client_as):
    html = client_as("inspector").get(reverse("recommendations:list")).content.decode()
    assert 'data-source="/recommendations/reports.json"' in html


def test_the_far_pages_read_from_the_other_end_and_match_the_offset_pages(client_as):
    """A page past the middle is read in reverse order (listing.page_items): the same
    rows, in the same order, as OFFSET would give; `page=last` is the last page."""
    report = ReportFactory()
    for _ in range(120):
        make_item(finding=FindingFactory(report=report))
    admin = client_as("admin")
    url = reverse("recommendations:list")
    for params in ({}, {"sort": "-reference"}, {"sort": "owner"}):
        pages = [admin.get(url, {**params, "page": n}).context["rows"] for n in (1, 2, 3)]
        ids = [r["id"] for page in pages for r in page]
        assert len(ids) == 120 and len(set(ids)) == 120
        expected = TrackedItem.objects.all()
        order = {"": ("last_entry_on", "id"), "-reference": ("-finding_number", "-id")}
        wanted = [
            i.pk
            for i in expected.order_by(*order.get(params.get("sort", ""), ("owner_name", "id")))
        ]
        assert ids == wanted
        last = admin.get(url, {**params, "page": "last"}).context["rows"]
        assert [r["id"] for r in last] == [r["id"] for r in pages[2]]


# The filter panel's markup, cached per reference-data version, role and scope ----------


@pytest.fixture
def real_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "p"},
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_the_filter_panel_is_cached_until_the_reference_data_changes(client_as, real_cache):
    report = ReportFactory(title="Custody 2025")
    make_item(finding=FindingFactory(report=report))
    inspector = client_as("inspector")
    url = reverse("recommendations:list")
    assert "Custody 2025" in inspector.get(url).content.decode()
    # A change that writes no history and no new report: the cached panel is shown.
    InspectionReport.objects.filter(pk=report.pk).update(title="Custody 2026")
    assert "Custody 2025" in inspector.get(url, {"page": "1"}).content.decode()
    # A chosen filter renders the panel afresh (with the choice shown).
    chosen = inspector.get(url, {"report": report.slug}).content.decode()
    assert "Custody 2026" in chosen and "Custody 2025" not in chosen
    # An edit through the admin or a service writes a history row: a new version.
    report.refresh_from_db()
    report.title = "Custody 2027"
    report.save()
    assert "Custody 2027" in inspector.get(url).content.decode()


def test_the_cached_panel_is_per_role_and_scope(client_as, real_cache):
    ours = ReportFactory(title="Ours in Gloucestershire")
    kent = ReportFactory(title="Only in Kent")
    make_item(force="gloucestershire", finding=FindingFactory(report=ours))
    make_item(force="kent", finding=FindingFactory(report=kent))
    url = reverse("recommendations:list")
    assert "Only in Kent" in client_as("inspector").get(url).content.decode()
    officer = client_as("liaison-officer").get(url).content.decode()
    assert "Ours in Gloucestershire" in officer and "Only in Kent" not in officer
    # A report reaching the officer's scope changes their panel's key.
    later = ReportFactory(title="Later in Gloucestershire")
    InspectionReport.objects.filter(pk=later.pk).update(title="Later in Gloucestershire")
    make_item(force="gloucestershire", finding=FindingFactory(report=later))
    assert "Later in Gloucestershire" in client_as("liaison-officer").get(url).content.decode()


def test_the_seeders_search_documents_are_the_ones_the_services_build():
    """The seeder writes each item with its search document (devdata.seeding); the
    services' own refresh (services.search_refresh) finds nothing to change."""
    from recommendations.services import search_refresh

    seed(items=200, seed=93)
    before = dict(TrackedItem.objects.values_list("pk", "search"))
    assert len(before) == 200 and all(before.values())
    search_refresh(None)
    assert dict(TrackedItem.objects.values_list("pk", "search")) == before


def test_a_large_seed_builds_the_indexes_it_dropped_again(monkeypatch):
    """From REBUILD_INDEXES_FROM items the seeder drops the big tables' secondary indexes
    and builds them again after the COPY: the same indexes after as before."""
    from devdata import seeding

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                [list(seeding.BIG_TABLES)],
            )
            return sorted(cursor.fetchall())

    before = indexes()
    assert any(name == "item_last_entry_id" for name, _ in before)
    monkeypatch.setattr(seeding, "REBUILD_INDEXES_FROM", 100)
    assert seed(items=300, seed=95).items == 300
    assert indexes() == before
    assert_table_equals_items()
