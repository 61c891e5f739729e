"""Issue 25, queues for liaison leads: on the home page, the items awaiting their review
(theirs, or nobody's, in their forces) and their closure proposals awaiting a decision;
a list filter for items with an open proposal (`proposal=open`); and a "Closure
proposed" tag wherever the ageing tags appear."""

import re

import pytest
from django.urls import reverse

from recommendations import services
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db
PROPOSED = re.compile(r'<strong class="govuk-tag govuk-tag--light-blue[^"]*">\s*Closure proposed')


@pytest.fixture
def world(people, make_user):
    lead = people["liaison-lead"]
    other_lead = make_user("liaison-lead", "other.lead")  # also acts for Gloucestershire
    report = ReportFactory()

    def item(number, **kwargs):
        return make_item(finding=FindingFactory(report=report, number=number), **kwargs)

    proposed = progressed(item(1, lead=lead), lead)
    services.closure_propose(item=proposed, by=lead, reason="Met", verified_by="documents")
    by_other = progressed(item(2, lead=other_lead), other_lead)
    services.closure_propose(item=by_other, by=other_lead, reason="Met", verified_by="insight")
    returned = progressed(item(3, lead=lead), lead)
    services.closure_propose(item=returned, by=lead, reason="Met", verified_by="documents")
    services.closure_return(item=returned, by=people["chief-of-staff"], reason="Not yet")
    return {
        "proposed": proposed,
        "by_other": by_other,
        "returned": returned,
        "mine": item(4, lead=lead),  # awaiting review, the lead's
        "nobodys": item(5),  # awaiting review, no lead yet
        "others": item(6, lead=other_lead),  # awaiting review, another lead's
    }


def section(html, heading):
    """The home page from a heading up to the next one."""
    start = html.index(heading)
    end = html.find("<h3", start + 1)
    return html[start : end if end != -1 else None]


def links(html):
    return {int(pk) for pk in re.findall(r'href="/recommendations/(\d+)/"', html)}


def test_awaiting_your_review_lists_the_leads_items_and_nobodys(client_as, world):
    html = client_as("liaison-lead").get("/").content.decode()
    queue = section(html, "Awaiting your review")
    assert links(queue) == {world["mine"].pk, world["nobodys"].pk}
    assert "Awaiting your review (2)" in queue


def test_your_proposals_awaiting_a_decision(client_as, world):
    html = client_as("liaison-lead").get("/").content.decode()
    queue = section(html, "Your closure proposals awaiting a decision")
    queue = queue[: queue.index("Your closure proposals that were returned")]
    # Open and the lead's own: not another lead's, not one already returned.
    assert links(queue) == {world["proposed"].pk}
    assert "Your closure proposals awaiting a decision (1)" in queue
    assert "documents and evidence reviewed" in queue  # how it was verified
    assert "?proposal=open" in html


def test_no_proposals_says_so(client_as, people):
    html = client_as("liaison-lead").get("/").content.decode()
    queue = section(html, "Your closure proposals awaiting a decision")
    assert "None of your closure proposals is awaiting a decision." in queue


def test_the_list_filters_items_with_an_open_proposal(client_as, world):
    client = client_as("liaison-lead")

    def listed(query):
        response = client.get(reverse("recommendations:list") + "?" + query)
        assert response.status_code == 200
        return {int(r["url"].rstrip("/").rsplit("/", 1)[-1]) for r in response.context["rows"]}

    assert listed("proposal=open") == {world["proposed"].pk, world["by_other"].pk}
    assert listed("proposal=none") == {
        world[k].pk for k in ("returned", "mine", "nobodys", "others")
    }
    bad = client.get(reverse("recommendations:list") + "?proposal=maybe")
    assert bad.status_code == 200
    assert "Closure proposal must be open or none" in bad.content.decode()


def test_home_page_tables_tag_items_with_an_open_proposal(client_as, world):
    """The officer's "Being progressed" table lists both proposed items and the
    returned one: the tag marks the proposed ones only."""
    html = client_as("liaison-officer").get("/").content.decode()
    rows = re.findall(r'<tr class="govuk-table__row">.*?</tr>', html, flags=re.S)

    def row(item):
        return "".join(r for r in rows if f'href="/recommendations/{item.pk}/"' in r)

    assert PROPOSED.search(row(world["proposed"]))
    assert PROPOSED.search(row(world["by_other"]))
    assert row(world["returned"]) and not PROPOSED.search(row(world["returned"]))
