import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry
from tests.conftest import progressed
from tests.factories import FindingFactory, make_item

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_item_page_shows_texts_bullets_timeline_and_only_allowed_actions(client_as, people):
    finding = FindingFactory(
        cause_of_concern="It is a cause of concern that ...",
        text="The force should immediately take steps to: • implement a process; • produce "
        "a profile; and • engage partners.",
    )
    item = make_item(force="gloucestershire", finding=finding)
    services.comment_add(
        visibility="internal", item=item, by=people["liaison-lead"], text="Met the force <today>"
    )
    body = client_as("liaison-officer").get(reverse("recommendations:item", args=[item.pk]))
    html = body.content.decode()
    assert "It is a cause of concern that ..." in html
    assert "<li>implement a process;</li>" in html and "<li>engage partners.</li>" in html
    assert "moj-timeline" in html and "Met the force &lt;today&gt;" in html
    assert "Add a progress update" in html and "Set owner and target date" in html
    assert "Propose closure" not in html and "Authorise closure" not in html
    assert html.index("Met the force") < html.index("Status set to Awaiting review")  # newest first
    lead = people["liaison-lead"]
    name = lead.get_full_name() or lead.get_username()
    assert f"by {name}, liaison lead, Gloucestershire Constabulary</p>" in html


@pytest.mark.parametrize(
    "data,message",
    [
        ({"visibility": "internal", "text": "   "}, "Enter the comment"),
        (
            {"visibility": "internal", "text": "x" * 20_001},
            "Comment must be 20,000 characters or fewer",
        ),
        (
            {
                "visibility": "internal",
                "text": "ok",
                "date_0": "31",
                "date_1": "2",
                "date_2": "2024",
            },
            "The date must be a real date",
        ),
        (
            {
                "visibility": "internal",
                "text": "ok",
                "date_0": "1",
                "date_1": "1",
                "date_2": "2999",
            },
            "The date must be today or in the past",
        ),
        (
            {"visibility": "internal", "text": "ok", "date_0": "1", "date_1": "", "date_2": "2020"},
            "The date must include a month",
        ),
    ],
)
def test_comment_form_errors_show_summary_and_field_message(client_as, item, data, message):
    response = client_as("liaison-lead").post(
        reverse("recommendations:action", args=[item.pk, "comment"]), data
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "govuk-error-message" in html
    assert message in html
    assert item.timeline.count() == 1


def test_moving_the_target_date_without_a_reason_is_refused(client_as, item, today):
    client = client_as("liaison-officer")
    url = reverse("recommendations:action", args=[item.pk, "owner"])
    target = today + dt.timedelta(days=10)
    first = {
        "owner_name": "Lee",
        "version": item.version,
        "target_date_0": target.day,
        "target_date_1": target.month,
        "target_date_2": target.year,
    }
    assert client.post(url, first).status_code == 302
    item.refresh_from_db()
    later = today + dt.timedelta(days=40)
    moved = {
        "owner_name": "Lee",
        "version": item.version,
        "target_date_0": later.day,
        "target_date_1": later.month,
        "target_date_2": later.year,
    }
    response = client.post(url, moved)
    assert response.status_code == 400
    assert "Enter the reason the target date is moving" in response.content.decode()
    item.refresh_from_db()
    assert item.target_date == target


def test_stale_owner_form_is_refused_and_shows_current_values(client_as, people, item):
    client = client_as("liaison-officer")
    url = reverse("recommendations:action", args=[item.pk, "owner"])
    loaded = item.version
    services.owner_set(
        item=item,
        by=people["liaison-officer"],
        version=loaded,
        owner_name="Saved by someone else",
        owner_rank="",
        owner_department="",
        target_date=None,
    )
    response = client.post(url, {"owner_name": "Mine", "version": loaded})
    assert response.status_code == 409
    html = response.content.decode()
    assert "This item changed since you opened it" in html
    assert 'value="Saved by someone else"' in html
    item.refresh_from_db()
    assert item.owner_name == "Saved by someone else"


def test_authorising_twice_says_already_authorised(client_as, people, item):
    progressed(item, people["liaison-lead"])
    services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )
    url = reverse("recommendations:action", args=[item.pk, "authorise-closure"])
    client = client_as("chief-of-staff")
    assert client.post(url, {}).status_code == 302
    item.refresh_from_db()
    assert item.status_id == Status.COMPLETE
    again = client.post(url, {})
    assert again.status_code == 409
    assert "This closure has already been authorised." in again.content.decode()
    shown = client.get(url)
    assert shown.status_code == 409
    assert "This closure has already been authorised." in shown.content.decode()
    assert TimelineEntry.objects.filter(item=item, status_id=Status.COMPLETE).count() == 1


def test_an_administrator_neither_proposes_nor_decides_closure(client_as, make_user, people, item):
    admin = make_user("admin")
    progressed(item, admin)
    client = client_as(admin)
    html = client.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert "Propose closure" not in html
    propose = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    refused = client.post(propose, {"reason": "Met", "verified_by": "documents"})
    assert refused.status_code == 403
    services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )
    html = client.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert "Closure proposed by" in html
    assert "Authorise closure" not in html
    response = client.post(
        reverse("recommendations:action", args=[item.pk, "authorise-closure"]), {}
    )
    assert response.status_code == 403
    assert ClosureProposal.objects.get(item=item).state == "open"


def test_history_page_lists_changes_with_the_user(client_as, people, item):
    progressed(item, people["liaison-lead"])
    html = (
        client_as("inspector")
        .get(reverse("recommendations:history", args=[item.pk]))
        .content.decode()
    )
    assert "Status changed to Being progressed" in html  # the status's name, not its slug
    assert "liaison lead, Gloucestershire Constabulary" in html


def test_report_publishing_through_the_pages(client_as, today):
    client = client_as("admin")
    response = client.post(
        reverse("recommendations:report_new"),
        {
            "title": "PEEL 2026",
            "slug": "peel-2026",
            "kind": "national",
            "published_0": today.day,
            "published_1": today.month,
            "published_2": today.year,
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("recommendations:finding_new", args=["peel-2026"]),
        {
            "kind": "recommendation",
            "number": "3",
            "text": "Forces should do it.",
            "forces": ["1", "2"],
        },
    )
    assert response.status_code == 200  # two forces: the check page first (issue 25)
    response = client.post(
        reverse("recommendations:finding_new", args=["peel-2026"]),
        {
            "kind": "recommendation",
            "number": "3",
            "text": "Forces should do it.",
            "forces": ["1", "2"],
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    from recommendations.models import TrackedItem

    items = TrackedItem.objects.filter(finding__report__slug="peel-2026")
    assert items.count() == 2
    bad = client.post(reverse("recommendations:report_new"), {"title": "", "slug": "Bad Slug"})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "Enter the report" in html and "The short name can only use" in html


def test_item_page_query_count_does_not_grow_with_the_timeline(client_as, people):
    lead = people["liaison-lead"]
    small, large = make_item(force="gloucestershire"), make_item(force="gloucestershire")
    for n in range(4):
        services.comment_add(visibility="internal", item=small, by=lead, text=f"c{n}")
    day = dt.date(2018, 1, 1)
    for n in range(199):
        TimelineEntry.objects.create(
            item=large,
            date=day + dt.timedelta(days=n),
            position=1,
            kind="comment",
            text=f"entry {n}",
            author=lead,
            event="comment",
            visibility="internal",
        )
    client = client_as("liaison-lead")
    client.get("/")  # the session's idle timeout is renewed at most once a minute
    few = count_queries(client, reverse("recommendations:item", args=[small.pk]))
    many = count_queries(client, reverse("recommendations:item", args=[large.pk]))
    assert few == many
    assert many <= 15


def test_an_action_the_items_state_refuses_says_why_without_a_form(client_as, people, item):
    progressed(item, people["liaison-lead"])
    services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )
    client = client_as("liaison-lead")
    url = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    for response in (client.get(url), client.post(url, {"reason": "Again"})):
        html = response.content.decode()
        assert response.status_code == 409
        assert "A closure proposal is already open for this item." in html
        assert '<form method="post" novalidate>' not in html
    assert ClosureProposal.objects.filter(item=item).count() == 1


def test_the_comment_form_asks_who_sees_it_with_nothing_chosen(client_as, item):
    url = reverse("recommendations:action", args=[item.pk, "comment"])
    client = client_as("liaison-lead")
    html = client.get(url).content.decode()
    assert 'name="visibility" type="radio" value="public"' in html
    assert 'name="visibility" type="radio" value="internal"' in html
    radios = re.findall(r'<input[^>]*name="visibility"[^>]*>', html)
    assert len(radios) == 2 and not any("checked" in r for r in radios)  # chosen each time
    assert "without your name" in html  # what the public will see, said plainly
    response = client.post(url, {"text": "A comment"})
    assert response.status_code == 400
    assert "Choose whether the public will see this comment" in response.content.decode()
    assert item.timeline.filter(kind="comment").count() == 0
    client.post(url, {"text": "Seen by all", "visibility": "public"})
    assert item.timeline.get(kind="comment").visibility == "public"


def test_the_authorise_form_publishes_the_note_only_when_ticked(client_as, people, item):
    lead = people["liaison-lead"]
    services.status_change(item=item, by=lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    url = reverse("recommendations:action", args=[item.pk, "authorise-closure"])
    client = client_as("chief-of-staff")
    assert "Publish this note on the monitoring portal" in client.get(url).content.decode()
    client.post(url, {"reason": "Seen at fieldwork", "publish_note": "on"})
    assert item.timeline.filter(visibility="public", event="closure-authorised").get().text == (
        "Authorised for closure. Seen at fieldwork"
    )
