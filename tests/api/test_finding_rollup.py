"""`GET /api/v1/findings/{id}/` is the finding page (`/findings/<id>/`) as data: one
roll-up (`recommendations.national.finding_rollup`), so the same rows in the same order
and the same totals for the same person; a person sees their scope's rows only."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services
from recommendations.national import finding_rollup
from recommendations.selectors import today
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(people):
    """One finding in six forces (five in the south-west, one in the West Midlands): an
    open proposal, an overdue copy, a stale copy, a closed copy and two others."""
    admin = people["admin"]
    finding = FindingFactory(report=ReportFactory(slug="national-2017"), number=3)
    glos = progressed(make_item(force="gloucestershire", finding=finding), admin)
    services.closure_propose(
        item=glos, by=people["liaison-lead"], reason="Met", verified_by="insight"
    )
    devon = progressed(make_item(force="devon-and-cornwall", finding=finding), admin)
    services.owner_set(
        item=devon,
        by=admin,
        version=devon.version,
        owner_name="A. Owner",
        owner_rank="Superintendent",
        owner_department="Public protection",
        target_date=today() - dt.timedelta(days=10),
    )
    with time_machine.travel(dt.datetime(2025, 1, 10, 9), tick=False):
        progressed(make_item(force="dorset", finding=finding, on=dt.date(2025, 1, 10)), admin)
    wilts = progressed(make_item(force="wiltshire", finding=finding), admin)
    services.no_further_action(item=wilts, by=admin, reason="Superseded")
    make_item(force="avon-and-somerset", finding=finding)
    make_item(force="west-midlands", finding=finding)
    return finding


def page_totals(rollup):
    return {
        "statuses": {status.slug: n for status, n in rollup.counts},
        "total": rollup.total,
        "closed": rollup.closed,
        "completion_rate": rollup.completion_rate,
        "median_days_open": rollup.median_days_open,
        "stale": rollup.stale,
        "overdue": rollup.overdue,
        "open_proposals": rollup.open_proposals,
    }


def page_rows(rollup):
    return [
        {
            "id": r.item_id,
            "force": r.force_slug,
            "status": r.status.slug,
            "days_since_update": r.days_since_update,
            "stale": r.stale,
            "overdue": r.overdue,
            "open_proposal": r.proposal.pk if r.proposal else None,
        }
        for r in rollup.rows
    ]


ROW_KEYS = ("id", "force", "status", "days_since_update", "stale", "overdue", "open_proposal")


def api_rows(body):
    return [{key: row[key] for key in ROW_KEYS} for row in body["items"]]


@pytest.mark.parametrize(
    "role", ["liaison-officer", "liaison-lead", "chief-of-staff", "inspector", "admin"]
)
@pytest.mark.parametrize("sort", ["force", "-updated", "status"])
def test_the_api_gives_the_finding_pages_rows_and_totals(
    api_as, client_as, people, spread, role, sort
):
    page = client_as(role).get(reverse("recommendations:finding", args=[spread.pk]), {"sort": sort})
    assert page.status_code == 200
    shown = page.context["rollup"]
    response = api_as(role).get(f"/api/v1/findings/{spread.pk}/", {"sort": sort})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"] == page_totals(shown)
    assert api_rows(body) == page_rows(shown)
    assert body["all_forces"] is shown.all_forces
    # and both are the one roll-up, for the same person
    direct = finding_rollup(people[role], spread.pk, sort)
    assert body["totals"] == page_totals(direct)
    assert api_rows(body) == page_rows(direct)
    assert (body["id"], body["reference"]) == (spread.pk, spread.reference)


def test_the_national_totals(api_as, spread):
    body = api_as("inspector").get(f"/api/v1/findings/{spread.pk}/").json()
    assert body["all_forces"] is True
    totals = body["totals"]
    assert totals["total"] == len(body["items"]) == 6
    assert sum(totals["statuses"].values()) == 6
    assert totals["statuses"]["no-further-action-needed"] == 1
    assert totals["closed"] == 1
    assert totals["completion_rate"] == round(100 / 6)
    assert (totals["stale"], totals["overdue"], totals["open_proposals"]) == (1, 1, 1)
    # five open copies: two updated today, the stale one in January 2025, and two
    # awaiting review since the report's publication (longer ago): the stale one's days
    dorset = next(r for r in body["items"] if r["force"] == "dorset")
    assert dorset["stale"] and dorset["days_since_update"] == (today() - dt.date(2025, 1, 10)).days
    assert totals["median_days_open"] == dorset["days_since_update"]
    devon = next(r for r in body["items"] if r["force"] == "devon-and-cornwall")
    assert devon["overdue"] and "A. Owner" in devon["owner"]
    assert devon["url"].endswith(f"/api/v1/items/{devon['id']}/")
    names = [r["force_name"] for r in body["items"]]
    assert names == sorted(names) and "West Midlands Police" in names  # by force's name


def test_an_officer_sees_only_their_forces_row(api_as, spread):
    body = api_as("liaison-officer").get(f"/api/v1/findings/{spread.pk}/").json()
    assert body["all_forces"] is False
    assert [r["force"] for r in body["items"]] == ["gloucestershire"]
    assert body["items"][0]["open_proposal"] is not None
    totals = body["totals"]
    assert totals["total"] == 1
    assert totals["statuses"]["being-progressed"] == 1
    assert sum(totals["statuses"].values()) == 1
    assert (totals["closed"], totals["completion_rate"]) == (0, 0)
    assert (totals["stale"], totals["overdue"], totals["open_proposals"]) == (0, 0, 1)


def test_a_region_sees_its_region(api_as, spread):
    body = api_as("chief-of-staff").get(f"/api/v1/findings/{spread.pk}/").json()
    assert body["all_forces"] is False
    forces = {r["force"] for r in body["items"]}
    assert "west-midlands" not in forces and len(forces) == body["totals"]["total"] == 5


def test_no_visible_copy_is_404_except_for_national_viewers(api_as):
    finding = FindingFactory()
    make_item(force="west-midlands", finding=finding)
    url = f"/api/v1/findings/{finding.pk}/"
    for role in ("liaison-officer", "liaison-lead", "chief-of-staff"):
        response = api_as(role).get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    lonely = FindingFactory()  # no force tracks it: the page shows it empty to inspectors
    body = api_as("inspector").get(f"/api/v1/findings/{lonely.pk}/").json()
    assert (body["all_forces"], body["items"], body["totals"]["total"]) == (True, [], 0)
    assert body["totals"]["completion_rate"] is None
    assert body["totals"]["median_days_open"] is None
    assert api_as("liaison-officer").get(f"/api/v1/findings/{lonely.pk}/").status_code == 404
    missing = api_as("inspector").get("/api/v1/findings/999999/")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_an_unknown_sort_is_422_naming_it(api_as, spread):
    response = api_as("inspector").get(f"/api/v1/findings/{spread.pk}/", {"sort": "nonsense"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["sort"]


def test_the_same_queries_for_one_force_or_six(api_as, spread):
    client = api_as("inspector")
    client.get(f"/api/v1/findings/{spread.pk}/")
    with CaptureQueriesContext(connection) as six:
        assert client.get(f"/api/v1/findings/{spread.pk}/").status_code == 200
    single = FindingFactory(report=spread.report)
    make_item(force="gloucestershire", finding=single)
    client.get(f"/api/v1/findings/{single.pk}/")
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/api/v1/findings/{single.pk}/").status_code == 200
    assert len(six) == len(one)
