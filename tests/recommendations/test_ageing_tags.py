"""Issue 25, ageing everywhere: a "Stale" tag wherever "Overdue" can appear (the list,
each role's home page tables and summary), by the one rule of selectors.stale_q: being
progressed with no timeline entry for more than STALE_AFTER_DAYS."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from recommendations.models import TrackedItem
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db
STALE = re.compile(r'<strong class="govuk-tag govuk-tag--orange[^"]*">\s*Stale\s*</strong>')


@pytest.fixture
def aged(people, today):
    report = ReportFactory()
    lead = people["liaison-lead"]
    stale = progressed(make_item(finding=FindingFactory(report=report, number=1)), lead)
    fresh = progressed(make_item(finding=FindingFactory(report=report, number=2)), lead)
    long_ago = today - dt.timedelta(days=settings.STALE_AFTER_DAYS + 10)
    TrackedItem.objects.filter(pk=stale.pk).update(last_entry_on=long_ago)
    # Awaiting review for as long: old, but not stale (stale_q is being progressed only).
    waiting = make_item(finding=FindingFactory(report=report, number=3), on=long_ago)
    return {"stale": stale, "fresh": fresh, "waiting": waiting}


def row_of(html, pk):
    """The table rows linking to an item, joined ("" when no table shows it)."""
    rows = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", html, flags=re.S)
    return "".join(r for r in rows if f'href="/recommendations/{pk}/"' in r)


def test_the_list_tags_stale_items_only(client_as, aged):
    response = client_as("liaison-lead").get(reverse("recommendations:list") + "?status=all")
    rows = {r["url"].rstrip("/").rsplit("/", 1)[-1]: r for r in response.context["rows"]}
    assert rows[str(aged["stale"].pk)]["stale"] is True
    assert rows[str(aged["fresh"].pk)]["stale"] is False
    assert rows[str(aged["waiting"].pk)]["stale"] is False
    html = response.content.decode()
    assert STALE.search(row_of(html, aged["stale"].pk))
    assert not STALE.search(row_of(html, aged["fresh"].pk))
    assert not STALE.search(row_of(html, aged["waiting"].pk))


def test_the_list_and_its_stale_filter_agree(client_as, aged):
    client = client_as("liaison-lead")
    response = client.get(reverse("recommendations:list") + "?stale=yes")
    assert [r["stale"] for r in response.context["rows"]] == [True]


@pytest.mark.parametrize("role", ["liaison-officer", "liaison-lead"])
def test_home_page_tables_tag_stale_items(client_as, aged, role):
    html = client_as(role).get("/").content.decode()
    assert STALE.search(row_of(html, aged["stale"].pk))
    assert not STALE.search(row_of(html, aged["fresh"].pk))
    assert not STALE.search(row_of(html, aged["waiting"].pk))
    # The summary's stale count is tagged, as its overdue count is.
    assert re.search(
        r'govuk-tag--orange">Stale</strong> <a class="govuk-link" href="[^"]*'
        r'\?stale=yes">1 stale</a>',
        html,
    )


def test_the_item_page_shows_stale_beside_the_status(client_as, aged):
    """The item page carries the same tag as the list, by the same rule."""
    client = client_as("inspector")

    def page(item):
        return client.get(reverse("recommendations:item", args=[item.pk])).content.decode()

    assert STALE.search(page(aged["stale"]))
    assert not STALE.search(page(aged["fresh"]))
    assert not STALE.search(page(aged["waiting"]))


def test_the_print_views_show_stale_too(client_as, aged):
    client = client_as("inspector")
    printed = client.get(reverse("recommendations:item_print", args=[aged["stale"].pk]))
    assert STALE.search(printed.content.decode())
    fresh = client.get(reverse("recommendations:item_print", args=[aged["fresh"].pk]))
    assert not STALE.search(fresh.content.decode())
    report = aged["stale"].finding.report
    html = client.get(reverse("recommendations:report_print", args=[report.slug])).content
    assert len(STALE.findall(html.decode())) == 1
