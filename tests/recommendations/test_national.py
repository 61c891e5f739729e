"""The national picture: a finding's page across forces, its CSV, the report's matrix and
lagging forces, and roll-up counts that agree with the list for the same scope."""

import csv
import datetime as dt
import io
import random

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forces.models import Force
from recommendations import services
from recommendations.models import Status, TrackedItem
from recommendations.national import finding_rollup, report_matrix
from recommendations.selectors import stale_cutoff
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(people):
    """One national finding issued to every police force, in mixed states."""
    finding = FindingFactory(report=ReportFactory(slug="national-2016"), number=5)
    lead = people["admin"]
    items = {}
    old = dt.date(2025, 1, 10)
    for n, force in enumerate(Force.objects.police().order_by("name")):
        if n % 3 == 1:  # being progressed since long ago: stale
            with time_machine.travel(dt.datetime(2025, 1, 10, 9), tick=False):
                item = progressed(make_item(force=force, finding=finding, on=old), lead)
        else:
            item = make_item(force=force, finding=finding)
            if n % 3 == 2:
                item = progressed(item, lead)
        items[force.slug] = item
    glos = items["gloucestershire"]
    if glos.status_id != Status.BEING_PROGRESSED:
        progressed(glos, lead)
    services.closure_propose(
        item=TrackedItem.objects.get(pk=glos.pk),
        by=people["liaison-lead"],  # Gloucestershire's lead: closure is a lead's to propose
        reason="Met",
        verified_by="insight",
    )
    return finding, items


def test_the_item_page_links_to_the_finding(client_as, national):
    finding, items = national
    page = client_as("liaison-officer").get(
        reverse("recommendations:item", args=[items["gloucestershire"].pk])
    )
    html = page.content.decode()
    assert f'href="/findings/{finding.pk}/">This recommendation in other forces' in html


def test_an_inspector_sees_every_force_with_totals(client_as, national):
    finding, items = national
    response = client_as("inspector").get(reverse("recommendations:finding", args=[finding.pk]))
    assert response.status_code == 200
    rollup = response.context["rollup"]
    assert rollup.total == Force.objects.police().count() == 44
    assert rollup.all_forces
    assert sum(n for _, n in rollup.counts) == 44
    assert rollup.open_proposals == 1
    html = response.content.decode()
    assert "Gloucestershire Constabulary" in html and "West Midlands Police" in html
    assert "insight activity" in html
    assert "totals below count only" not in html


def test_an_officer_sees_their_force_and_the_page_says_so(client_as, national):
    finding, _ = national
    response = client_as("liaison-officer").get(
        reverse("recommendations:finding", args=[finding.pk])
    )
    assert [r.force for r in response.context["rollup"].rows] == ["Gloucestershire Constabulary"]
    html = " ".join(response.content.decode().split())
    assert "The totals below count only this force" in html
    assert "West Midlands" not in html


def test_a_finding_outside_scope_is_not_found(client_as, people):
    finding = FindingFactory()
    make_item(force="west-midlands", finding=finding)
    url = reverse("recommendations:finding", args=[finding.pk])
    assert client_as("liaison-officer").get(url).status_code == 404
    assert client_as("chief-of-staff").get(url).status_code == 404
    assert client_as("inspector").get(url).status_code == 200
    assert (
        client_as("inspector").get(reverse("recommendations:finding", args=[999999])).status_code
        == 404
    )


def test_sorting_and_the_csv_follow_the_same_rows(client_as, national):
    finding, _ = national
    client = client_as("chief-of-staff")
    url = reverse("recommendations:finding", args=[finding.pk])
    page = client.get(url, {"sort": "-force"})
    names = [r.force for r in page.context["rollup"].rows]
    assert names == sorted(names, reverse=True)
    assert len(names) == Force.objects.police().filter(region__slug="south-west").count()
    assert 'aria-sort="descending"' in page.content.decode()
    body = b"".join(
        client.get(
            reverse("recommendations:finding_export", args=[finding.pk]), {"sort": "-force"}
        ).streaming_content
    ).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["force", "region", "portal_id", "status"]
    assert [r[0] for r in rows[1:]] == names
    glos = next(r for r in rows[1:] if r[0] == "Gloucestershire Constabulary")
    assert glos[rows[0].index("open_proposal")] == "yes"
    assert glos[rows[0].index("proposal_verified_by")] == "insight"
    # an unknown sort falls back to the force's name rather than failing
    assert client.get(url, {"sort": "nonsense"}).status_code == 200


def test_the_finding_page_runs_a_fixed_number_of_queries(client_as, national, people):
    finding, _ = national
    client = client_as("inspector")
    url = reverse("recommendations:finding", args=[finding.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as all_forces:
        assert client.get(url).status_code == 200
    second = FindingFactory(report=finding.report)
    make_item(force="gloucestershire", finding=second)
    with CaptureQueriesContext(connection) as one_force:
        client.get(reverse("recommendations:finding", args=[second.pk]))
    assert len(all_forces) == len(one_force) <= 12


def test_the_report_page_has_the_matrix_and_lagging_forces(client_as, national):
    finding, _ = national
    response = client_as("inspector").get(reverse("recommendations:report", args=["national-2016"]))
    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert len(matrix.rows) == 44
    assert sum(r["total"] for r in matrix.rows) == 44
    html = response.content.decode()
    assert "Lagging forces" in html
    assert f'href="/findings/{finding.pk}/"' in html
    # stale copies: being progressed with no entry within the stale period
    stale = TrackedItem.objects.filter(finding=finding, status_id=Status.BEING_PROGRESSED)
    lagging = {r["force"].slug: r["stale"] for r in matrix.lagging}
    expected = {
        i.force.slug for i in stale.select_related("force") if i.last_entry_on < stale_cutoff()
    }
    assert set(lagging) == expected
    assert len(expected) >= 10
    assert "Lagging forces" in html and "No force is lagging" not in html


@pytest.mark.parametrize("seed", [2016, 2017, 2018])
def test_rollup_counts_equal_the_list_counts_for_the_same_scope(client_as, people, seed):
    """Seeded random data: for each role, the finding's roll-up counts by status equal
    the list's counts filtered to the same finding's report and the person's scope."""
    rng = random.Random(seed)
    forces = list(Force.objects.order_by("slug"))
    report = ReportFactory(slug="random-report")
    findings = [FindingFactory(report=report) for _ in range(3)]
    admin = people["admin"]
    for finding in findings:
        for force in rng.sample(forces, rng.randint(5, 20)):
            item = make_item(force=force, finding=finding)
            roll = rng.random()
            if roll < 0.6:
                item = progressed(item, admin)
            if roll < 0.3:
                services.no_further_action(item=item, by=admin, reason="Superseded")
    for role in ("liaison-officer", "chief-of-staff", "inspector"):
        client = client_as(role)
        for finding in findings:
            try:
                rollup = finding_rollup(people[role], finding.pk)
            except Http404:  # none of its copies in the person's scope
                rollup = None
            listed = (
                client.get(
                    reverse("recommendations:list"), {"report": report.slug, "status": "all"}
                )
                .context["page"]
                .paginator.object_list
            )
            expected = {}
            for item in listed.filter(finding=finding):  # the list's rows are dicts
                expected[item["status_id"]] = expected.get(item["status_id"], 0) + 1
            got = {s.slug: n for s, n in rollup.counts if n} if rollup else {}
            assert got == expected, (role, finding.pk)
            matrix = report_matrix(people[role], report)
            per_status = {
                s.slug: sum(dict((c.slug, n) for c, n in r["cells"])[s.slug] for r in matrix.rows)
                for s in matrix.statuses
            }
            from_list = {}
            for item in listed:
                from_list[item["status_id"]] = from_list.get(item["status_id"], 0) + 1
            assert {k: v for k, v in per_status.items() if v} == from_list
