"""The list's queries read items by index, never by a sequential scan (issue 29).

A module's worth of tests share 20,000 seeded items (devdata.seeding, the benchmark's
own data), inside one transaction rolled back at the end, with the tables ANALYZEd: on
a table this size the planner weighs a sequential scan against an index honestly (on a
few dozen rows it always scans, and `SET enable_seqscan = off` would prove nothing).

Each test requests a page as a person would, captures every statement the page sent,
and asks PostgreSQL for the plan of each SELECT (EXPLAIN (FORMAT JSON)): no plan may
hold a Seq Scan of `recommendations_trackeditem`, the page's rows must be read through
an index of it, and the counts above the table come from the counts table
(recommendations.counts) rather than a count over the items.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devdata.seeding import seed
from recommendations.filters import SORTS
from recommendations.models import InspectionReport, TrackedItem

ITEMS = 20_000
TABLE = "recommendations_trackeditem"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """20,000 items for the module, rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed(items=ITEMS, seed=4242)  # ANALYZEs the tables it wrote
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE recommendations_itemcount")
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def plans_of(page_sql: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(statement, its plan's nodes) for each SELECT the page sent."""
    found = []
    with connection.cursor() as cursor:
        for sql in page_sql:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            found.append((sql, list(nodes(plan))))
    return found


def page_plans(client: Any, params: dict[str, str]) -> list[tuple[str, list[dict[str, Any]]]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("recommendations:list"), params)
    assert response.status_code == 200
    return plans_of([q["sql"] for q in captured.captured_queries])


def assert_items_by_index(plans: list[tuple[str, list[dict[str, Any]]]]) -> None:
    on_items = []
    for sql, plan in plans:
        for node in plan:
            if node.get("Relation Name") != TABLE:
                continue
            assert node["Node Type"] != "Seq Scan", f"a sequential scan of items: {sql}"
            on_items.append(node["Node Type"])
    assert any("Index" in kind for kind in on_items), "the page's rows are not read by index"


def assert_counts_from_the_table(plans: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """The status counts read the counts table, and no statement counts the items."""
    assert any("recommendations_itemcount" in sql for sql, _ in plans)
    for sql, _ in plans:
        assert not ("COUNT(" in sql.upper() and TABLE in sql), f"the items counted: {sql}"


@pytest.mark.parametrize("role", ["admin", "inspector", "liaison-officer", "chief-of-staff"])
def test_the_default_list_and_its_counts_use_indexes(seeded, client_as, role):
    assert TrackedItem.objects.count() >= ITEMS
    plans = page_plans(client_as(role), {})
    assert_items_by_index(plans)
    assert_counts_from_the_table(plans)


@pytest.mark.parametrize("sort", [*SORTS, "-updated", "-target_date", "-status"])
def test_each_sort_reads_its_index(seeded, client_as, sort):
    plans = page_plans(client_as("admin"), {"sort": sort})
    assert_items_by_index(plans)
    assert_counts_from_the_table(plans)


def test_force_and_report_filters_count_from_the_table_and_read_by_index(seeded, client_as):
    admin = client_as("admin")
    plans = page_plans(admin, {"force": "gloucestershire", "status": "open"})
    assert_items_by_index(plans)
    assert_counts_from_the_table(plans)
    report = InspectionReport.objects.filter(slug__startswith="seed4242-").first()
    assert report is not None
    plans = page_plans(admin, {"report": report.slug, "status": "all"})
    assert_items_by_index(plans)
    assert_counts_from_the_table(plans)


@pytest.mark.parametrize("page", ["20", "last"])
def test_a_later_page_and_the_last_read_by_index(seeded, client_as, page):
    plans = page_plans(client_as("admin"), {"page": page})
    assert_items_by_index(plans)


def test_the_report_options_of_a_scoped_person_come_from_the_counts_table(seeded, client_as):
    """A person of one force gets the reports of their scope without a scan of items."""
    with CaptureQueriesContext(connection) as captured:
        client_as("liaison-officer").get(reverse("recommendations:list"))
    sql = [q["sql"] for q in captured.captured_queries]
    assert any("DISTINCT report_id FROM recommendations_itemcount" in s for s in sql)
    assert_items_by_index(plans_of(sql))
