"""Query budgets of the item's actions, posted through their pages (issue 24).

What is counted: every statement the POST sends to the database, from reading the
session to the COMMIT, and the work done once the change is committed (on-commit
callbacks: the public cache's version, the notification's Celery send). The tests run
in real transactions (`transaction=True`), so no SAVEPOINT of a test's own transaction
is counted and the on-commit work runs at the COMMIT, inside the measured block.

`statements` leaves out BEGIN and COMMIT, the transaction's own brackets (which a
test inside a transaction would see as SAVEPOINT and RELEASE): the budgets count what
reads and writes. Each test also keeps the whole count, brackets included, in view.

The person has opened the page before posting (as people do), so the POST does not
carry a first request's session writes.

The guards (proposing, a progress update, a comment) are at what they cost now; an
action that can carry evidence files reads the item twice more (the evidence gate's
read, then the page's own) and the person's scope in three queries: they go down by
7 when the pages read `selectors.item_for_action` on POST and the scope is one query.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services, tasks
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BRACKETS = ("BEGIN", "COMMIT")


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, tuple[Any, ...]]]:
    """The Celery tasks sent (not run): the budgets count the send, not the email."""
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for name in ("notify_entry", "notify_proposal"):
        task = getattr(tasks, name)
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args=(), name=name, **_: calls.append((name, tuple(args))),
        )
    return calls


def post(client: Client, item: TrackedItem, action: str, data: dict[str, str]) -> list[str]:
    """Open the action's page, then post it; the statements the POST sent (the page was
    read before the measurement starts)."""
    url = reverse("recommendations:action", args=[item.pk, action])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return [q["sql"] for q in queries.captured_queries]


def statements(sql: list[str]) -> list[str]:
    return [s for s in sql if s not in BRACKETS]


def listed(sql: list[str]) -> str:
    return "\n".join(f"{n:2} {s[:160]}" for n, s in enumerate(sql, 1))


@pytest.fixture
def proposed(people) -> TrackedItem:
    item = make_item(force="gloucestershire")
    progressed(item, people["liaison-lead"])
    services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )
    return item


def test_authorising_a_closure_through_its_page(client_as, proposed, sent):
    """At most 15: the session, the user, their second factor, their permissions (2),
    their scope (one query), the item (one query: `selectors.item_for_action`); then,
    under the lock, the item with its open proposal (one statement), the proposal's
    decision and its history row, both timeline entries (one INSERT, positions
    computed by it), the evidence's retention date, the item's UPDATE (status, status
    order and search document in one statement), its history row and its themes for
    that row. The notification's send and the public cache's version follow the
    COMMIT and read nothing."""
    sql = post(client_as("chief-of-staff"), proposed, "authorise-closure", {})
    proposed.refresh_from_db()
    assert proposed.status_id == Status.COMPLETE
    assert ClosureProposal.objects.get(item=proposed).state == "authorised"
    assert sent == [("notify_proposal", (ClosureProposal.objects.get(item=proposed).pk,))]
    assert len(statements(sql)) <= 15, listed(sql)
    assert len(sql) <= 17, listed(sql)


def test_proposing_closure_through_its_page(client_as, people, sent):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    sql = post(
        client_as("liaison-lead"),
        item,
        "propose-closure",
        {"reason": "Met", "verified_by": "documents"},
    )
    assert ClosureProposal.objects.get(item=item).state == "open"
    assert [name for name, _ in sent] == ["notify_proposal"]
    # 18: with engage's closure check (open improvement plan actions), one query.
    assert len(statements(sql)) <= 18, listed(sql)


def test_a_progress_update_through_its_page(client_as, people, sent):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    sql = post(client_as("liaison-officer"), item, "progress-update", {"text": "Trained 40."})
    assert TimelineEntry.objects.filter(item=item, text="Trained 40.").exists()
    assert [name for name, _ in sent] == ["notify_entry"]
    assert len(statements(sql)) <= 15, listed(sql)


def test_a_public_comment_through_its_page(client_as, people, sent):
    """A public comment also bumps the public cache's version once committed (no query)."""
    from monitoring.cache import public_version

    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    before = public_version()
    sql = post(
        client_as("liaison-lead"), item, "comment", {"text": "Seen.", "visibility": "public"}
    )
    assert public_version() != before
    assert [name for name, _ in sent] == ["notify_entry"]
    assert len(statements(sql)) <= 15, listed(sql)


# --- Pages read in a fixed number of queries, however many items (issue 29) ------------
#
# Each page is read twice: with a few items, then with many more (more items, more
# entries, more forces of a national finding). The number of statements must not move,
# and stays within the page's budget. These tests run inside the test's own transaction
# (no brackets), as the pages' GETs open none.


def page_sql(client: Any, url: str, params: dict[str, str] | None = None) -> list[str]:
    from django.core.cache import caches

    caches["public"].clear()  # the public pages' cache: measure the uncached page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:  # a download: its rows are read as it is sent
            b"".join(response.streaming_content)
    return [q["sql"] for q in queries.captured_queries]


def grow(people: dict[str, Any], n: int) -> list[TrackedItem]:
    """n more items of one report in Gloucestershire (and one in Devon and Cornwall),
    half being progressed with a public comment, one with a closure proposal."""
    from recommendations.models import Finding, InspectionReport
    from tests.factories import FindingFactory, ReportFactory

    report = InspectionReport.objects.filter(slug="peel-budget").first() or ReportFactory.create(
        slug="peel-budget", title="PEEL budget report"
    )
    national = Finding.objects.filter(report=report).order_by("pk").first()
    lead = people["liaison-lead"]
    made = []
    for n_item in range(n):
        item = make_item(force="gloucestershire", finding=FindingFactory.create(report=report))
        if n_item % 2:
            progressed(item, lead)
            services.comment_add(
                item=item, by=lead, text=f"Chased the force {n_item}", visibility="public"
            )
        made.append(item)
    services.closure_propose(item=made[1], by=lead, reason="Met", verified_by="documents")
    from forces.models import Force

    finding = national or made[0].finding
    taken = set(TrackedItem.objects.filter(finding=finding).values_list("force_id", flat=True))
    for force in Force.objects.police().exclude(pk__in=taken)[: max(1, n // 10)]:
        make_item(force=force, finding=finding)  # the national view: more recipients
    return made


def flat_and_within(
    people: dict[str, Any], read: Any, budget: int, *, small: int = 4, large: int = 40
) -> list[str]:
    grow(people, small)
    read()  # the person has been here before: a first visit's session writes aside
    few = read()
    grow(people, large)
    many = read()
    assert len(many) == len(few), "the page reads more as the data grows:\n" + listed(many)
    assert len(many) <= budget, listed(many)
    return many


LIST_VIEWS = {
    "default": {},
    "force + open": {"force": "gloucestershire", "status": "open"},
    "report + stale": {"report": "peel-budget", "stale": "no"},
    "text search": {"q": "chased"},
    "page 2": {"page": "2"},
    "sorted by owner": {"sort": "-owner"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "chief-of-staff", "liaison-officer"])
@pytest.mark.parametrize("view", LIST_VIEWS)
def test_the_list_reads_a_fixed_number_of_queries(client_as, people, role, view):
    """The session, the user, their second factor, permissions and scope, the filter's
    reference data (statuses, forces, regions, reports), the counts (from the counts
    table, or from the items up to the bound), the page's rows, the review waits of its
    rows, the saved views."""
    client = client_as(role)
    url = reverse("recommendations:list")
    flat_and_within(people, lambda: page_sql(client, url, LIST_VIEWS[view]), 20)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["admin", "inspector", "chief-of-staff", "liaison-lead", "liaison-officer"]
)
def test_each_home_page_reads_a_fixed_number_of_queries(client_as, people, role):
    client = client_as(role)
    flat_and_within(people, lambda: page_sql(client, reverse("recommendations:dashboard")), 40)


@pytest.mark.django_db
def test_the_item_page_reads_the_same_queries_for_a_longer_timeline(client_as, people):
    client = client_as("liaison-lead")
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    url = reverse("recommendations:item", args=[item.pk])

    def more_entries(n: int) -> list[str]:
        for k in range(n):
            services.comment_add(
                item=item, by=people["liaison-lead"], text=f"Note {k}", visibility="internal"
            )
        return page_sql(client, url)

    more_entries(0)  # the person has been here before
    few, many = more_entries(2), more_entries(30)
    assert len(many) == len(few), listed(many)
    assert len(many) <= 40, listed(many)


@pytest.mark.django_db
def test_the_national_view_of_a_finding_reads_a_fixed_number_of_queries(client_as, people):
    grow(people, 2)
    from recommendations.models import Finding

    finding = Finding.objects.filter(report__slug="peel-budget").order_by("pk").first()
    assert finding is not None
    client = client_as("inspector")
    url = reverse("recommendations:finding", args=[finding.pk])
    flat_and_within(people, lambda: page_sql(client, url), 25)


@pytest.mark.django_db
def test_the_public_pages_read_a_fixed_number_of_queries(client, people):
    grow(people, 2)
    item = TrackedItem.objects.filter(force__slug="gloucestershire").order_by("pk").first()
    assert item is not None
    force_page = reverse("monitoring:force", args=["gloucestershire"])
    item_page = reverse("monitoring:item", args=["gloucestershire", item.portal_id])
    flat_and_within(people, lambda: page_sql(client, force_page), 15)
    flat_and_within(people, lambda: page_sql(client, item_page), 15)


@pytest.mark.django_db
def test_the_api_list_reads_a_fixed_number_of_queries(people):
    from api import services as token_services
    from tests.api.conftest import ApiClient

    api = ApiClient(token_services.token_create(user=people["inspector"], name="B", days=30)[1])
    flat_and_within(people, lambda: page_sql(api, "/api/v1/items/"), 15)
    flat_and_within(
        people, lambda: page_sql(api, "/api/v1/items/", {"updated_since": "2020-01-01"}), 15
    )


@pytest.mark.django_db
def test_the_csv_export_and_the_report_picker_read_a_fixed_number_of_queries(client_as, people):
    client = client_as("admin")
    export = reverse("recommendations:export_csv")
    flat_and_within(people, lambda: page_sql(client, export), 20)
    picker = reverse("recommendations:reports_json")
    flat_and_within(people, lambda: page_sql(client, picker, {"q": "peel"}), 10)
