"""Issue 25, ageing everywhere: an item awaiting the liaison lead's review for more than
REVIEW_OVERDUE_DAYS carries a "Review overdue: N days" tag wherever the ageing tags
appear, and is counted on the lead's and the inspector's home pages, each count linking
to the list filter `review=overdue`, which finds the same items (selectors.review_overdue_q).
How long it has waited is counted from the status entry that set it awaiting review:
a progress update meanwhile does not end the wait."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from recommendations import services
from recommendations.models import Status, TrackedItem
from recommendations.selectors import items_visible_to, review_overdue_q
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db
DAYS = settings.REVIEW_OVERDUE_DAYS


@pytest.fixture
def waiting(people, today):
    lead = people["liaison-lead"]
    report = ReportFactory()

    def item(number, on):
        return make_item(finding=FindingFactory(report=report, number=number), lead=lead, on=on)

    long_ago = today - dt.timedelta(days=DAYS + 15)
    overdue = item(1, long_ago)
    # A force's update since does not end the wait for the lead's review.
    services.comment_add(
        item=overdue, by=people["liaison-officer"], text="Done", action="progress-update"
    )
    just_in_time = item(2, today - dt.timedelta(days=DAYS))  # exactly the threshold: not over
    # Published long ago, but moved back to review today: it has waited no time.
    back = item(3, long_ago)
    progressed(back, lead)
    services.status_change(item=back, by=lead, to=Status.AWAITING_REVIEW)
    progressing = progressed(item(4, long_ago), lead)  # not awaiting review at all
    TrackedItem.objects.filter(pk=progressing.pk).update(last_entry_on=long_ago)
    return {
        "overdue": overdue,
        "just_in_time": just_in_time,
        "back": back,
        "progressing": progressing,
    }


TAG = re.compile(r'govuk-tag--pink[^"]*">\s*Review overdue: (\d+) days')


def rows_of(html):
    rows = re.findall(r'<tr class="govuk-table__row">.*?</tr>', html, flags=re.S)
    return {
        int(m.group(1)): r
        for r in rows
        if (m := re.search(r'href="/recommendations/(\d+)/"', r)) is not None
    }


def test_the_rule_counts_from_the_status_entry(waiting, people):
    found = set(
        items_visible_to(people["inspector"])
        .filter(review_overdue_q())
        .values_list("pk", flat=True)
    )
    assert found == {waiting["overdue"].pk}


def test_the_leads_queue_tags_the_overdue_review_with_its_age(client_as, waiting):
    html = client_as("liaison-lead").get("/").content.decode()
    rows = rows_of(html)
    assert TAG.search(rows[waiting["overdue"].pk]).group(1) == str(DAYS + 15)
    assert not TAG.search(rows[waiting["just_in_time"].pk])
    assert not TAG.search(rows[waiting["back"].pk])


@pytest.mark.parametrize("role", ["liaison-lead", "inspector"])
def test_the_home_page_counts_them_and_links_to_the_list_that_finds_the_same(
    client_as, waiting, role
):
    client = client_as(role)
    html = client.get("/").content.decode()
    assert re.search(
        r'govuk-tag--pink">Review overdue</strong> <a class="govuk-link" href="[^"]*'
        r'\?review=overdue">1 review overdue</a>',
        html,
    )
    assert f"awaiting review for more than {DAYS} days" in html
    listed = client.get(reverse("recommendations:list") + "?review=overdue")
    assert [r["url"] for r in listed.context["rows"]] == [
        reverse("recommendations:item", args=[waiting["overdue"].pk])
    ]


def test_the_officer_is_not_counted_review_overdue(client_as, waiting):
    html = client_as("liaison-officer").get("/").content.decode()
    assert "review overdue</a>" not in html
    # ... but their tables carry the tag all the same: the item waits on the lead.
    assert TAG.search(rows_of(html)[waiting["overdue"].pk])


def test_a_bad_value_is_a_message(client_as):
    response = client_as("inspector").get(reverse("recommendations:list") + "?review=late")
    assert response.status_code == 200
    assert "Review must be overdue" in response.content.decode()
