"""Reopened items on the national view (issue 26): the report's matrix counts them per
force and in all, the finding's page counts and tags them, and each count links to the
list's `reopened=yes` filter, which lists exactly those items."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services
from recommendations.national import finding_rollup, report_matrix
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


def reopen(item, people):
    progressed(item, people["admin"])
    services.no_further_action(item=item, by=people["admin"], reason="Superseded")
    return services.item_reopen(
        item=item,
        by=people["inspector"],
        reason="The later inspection found it still present",
        public_reason="A later inspection found the problem still present.",
    )


@pytest.fixture
def national(people):
    report = ReportFactory(slug="national-reopen")
    finding = FindingFactory(report=report, number=5)
    forces = ["gloucestershire", "dorset", "west-midlands", "devon-and-cornwall"]
    items = {f: make_item(force=f, finding=finding) for f in forces}
    other = make_item(force="gloucestershire", finding=FindingFactory(report=report, number=6))
    for slug in ("gloucestershire", "west-midlands"):
        reopen(items[slug], people)
    reopen(other, people)
    # closed and not reopened: not counted
    progressed(items["dorset"], people["admin"])
    services.no_further_action(item=items["dorset"], by=people["admin"], reason="Superseded")
    return report, finding, items, other


def listed_ids(client, query):
    response = client.get(reverse("recommendations:list") + "?" + query)
    assert response.status_code == 200
    return sorted(response.context["page"].paginator.object_list.values_list("pk", flat=True))


def test_the_report_matrix_counts_reopened_items_and_links_to_the_filter(client_as, national):
    report, _, items, other = national
    client = client_as("inspector")
    response = client.get(reverse("recommendations:report", args=[report.slug]))
    matrix = response.context["matrix"]
    assert matrix.reopened == 3
    per_force = {r["force"].slug: r["reopened"] for r in matrix.rows}
    assert per_force == {
        "gloucestershire": 2,
        "west-midlands": 1,
        "dorset": 0,
        "devon-and-cornwall": 0,
    }
    html = response.content.decode()
    every = f"?report={report.slug}&amp;reopened=yes&amp;status=all"
    assert f'{every}">3 items reopened after closure</a>' in html
    glos = f"?report={report.slug}&amp;force=gloucestershire&amp;reopened=yes&amp;status=all"
    assert glos in html
    # the links' lists hold exactly the counted items
    assert listed_ids(client, every.replace("&amp;", "&")) == sorted(
        [items["gloucestershire"].pk, items["west-midlands"].pk, other.pk]
    )
    assert listed_ids(client, glos.replace("&amp;", "&")) == sorted(
        [items["gloucestershire"].pk, other.pk]
    )


def test_the_finding_page_counts_and_tags_reopened_copies(client_as, national):
    report, finding, items, _ = national
    response = client_as("inspector").get(reverse("recommendations:finding", args=[finding.pk]))
    rollup = response.context["rollup"]
    assert rollup.reopened == 2
    assert {r.force_slug for r in rollup.rows if r.reopened} == {
        "gloucestershire",
        "west-midlands",
    }
    html = response.content.decode()
    assert "Reopened after closure" in html
    assert len(re.findall(r"govuk-tag--purple[^>]*>\s*Reopened\s*<", html)) == 2
    assert f"?report={report.slug}&amp;reopened=yes&amp;status=all" in html


def test_a_chief_of_staff_counts_only_their_regions_reopened_items(people, national):
    report, finding, _, _ = national
    chief = people["chief-of-staff"]  # South West: Gloucestershire, Dorset, D&C, ...
    assert report_matrix(chief, report).reopened == 2
    assert finding_rollup(chief, finding.pk).reopened == 1


def test_the_report_page_runs_the_same_queries_however_many_are_reopened(
    client_as, people, national
):
    report, finding, items, _ = national
    client = client_as("inspector")
    url = reverse("recommendations:report", args=[report.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    reopen(items["devon-and-cornwall"], people)
    extra = make_item(force="dorset", finding=FindingFactory(report=report, number=7))
    reopen(extra, people)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.context["matrix"].reopened == 5
    assert len(before) == len(after)
