"""Issue 19: messages that are true. A save that changes nothing says so and writes no
history; the import preview says what changes, and offers no Confirm when nothing does;
a target date in the past is confirmed before it is kept."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import TimelineEntry, TrackedItem
from recommendations.portal_format import importing
from recommendations.selectors import today
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


def owner_post(item, **extra):
    data = {
        "owner_name": "Lee Smith",
        "owner_rank": "Supt",
        "owner_department": "Intelligence",
        "version": item.version,
    }
    return {**data, **extra}


def date_parts(day):
    return {"target_date_0": day.day, "target_date_1": day.month, "target_date_2": day.year}


def test_owner_saved_twice_says_nothing_changed_and_writes_no_history(client_as):
    item = make_item(force="gloucestershire")
    client = client_as("liaison-officer")
    url = reverse("recommendations:action", args=[item.pk, "owner"])
    first = client.post(url, owner_post(item), follow=True)
    assert "Owner and target date saved" in first.content.decode()
    item = TrackedItem.objects.get(pk=item.pk)
    history, entries = item.history.count(), TimelineEntry.objects.filter(item=item).count()
    again = client.post(url, owner_post(item), follow=True)
    html = again.content.decode()
    assert "Nothing changed" in html and "Owner and target date saved" not in html
    assert item.history.count() == history
    assert TimelineEntry.objects.filter(item=item).count() == entries


def test_same_liaison_lead_again_says_nothing_changed(client_as, people):
    item = make_item(force="gloucestershire")
    lead = people["liaison-lead"]
    services.liaison_lead_assign(item=item, by=people["admin"], lead=lead)
    url = reverse("recommendations:action", args=[item.pk, "assign-lead"])
    html = client_as("admin").post(url, {"lead": lead.pk}, follow=True).content.decode()
    assert "Nothing changed" in html and "Liaison lead saved" not in html


def test_a_past_target_date_needs_confirming(client_as):
    item = make_item(force="gloucestershire")
    client = client_as("liaison-officer")
    url = reverse("recommendations:action", args=[item.pk, "owner"])
    past = today() - dt.timedelta(days=30)
    refused = client.post(url, owner_post(item, **date_parts(past)))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "Yes, the target date is in the past" in html
    assert 'name="confirm_past_date"' in html
    assert f"The target date, {past.day} {past:%B %Y}, is in the past" in html
    assert 'href="#id_confirm_past_date"' in html  # the summary links to the box
    assert 'id="id_confirm_past_date"' in html
    # by the date, before the buttons (an item with no target date yet is asked no reason)
    assert (
        html.index('name="target_date_2"')
        < html.index('name="confirm_past_date"')
        < html.index("govuk-button-group")
    )
    assert TrackedItem.objects.get(pk=item.pk).target_date is None
    confirmed = client.post(url, owner_post(item, confirm_past_date="on", **date_parts(past)))
    assert confirmed.status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).target_date == past


def test_a_future_target_date_needs_no_confirming(client_as):
    item = make_item(force="gloucestershire")
    url = reverse("recommendations:action", args=[item.pk, "owner"])
    later = today() + dt.timedelta(days=30)
    response = client_as("liaison-officer").post(url, owner_post(item, **date_parts(later)))
    assert response.status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).target_date == later


def _upload(client, text, report="peel-2016"):
    handle = io.BytesIO(text.encode())
    handle.name = "page.txt"
    return client.post(reverse("recommendations:import"), {"report": report, "files": [handle]})


@pytest.fixture
def report_item():
    report = ReportFactory(slug="peel-2016")
    return make_item(force="gloucestershire", finding=FindingFactory(report=report))


def test_import_preview_with_nothing_new_offers_no_confirm(client_as, report_item):
    text = importing.item_page_text(TrackedItem.objects.get(pk=report_item.pk))
    response = _upload(client_as("admin"), text)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing to import: every entry is already on the tracker" in html
    assert "Confirm and import" not in html


def test_import_preview_lists_each_items_change(client_as, report_item):
    text = importing.item_page_text(TrackedItem.objects.get(pk=report_item.pk))
    on = today()
    stamp = f"{on.day}th {on:%B %Y}"
    text += (
        f"\n\n[on]{stamp} [status]being-progressed[/status][/on]"
        f"\n\n[on]{stamp} [comment]Imported progress[/comment][/on]"
    )
    response = _upload(client_as("admin"), text)
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "Status Awaiting review → Being progressed, 2 new entries" in html
    assert "Confirm and import" in html


def test_no_further_action_takes_the_later_items_id_as_shown_or_its_address(client_as):
    item = make_item(force="gloucestershire")
    later = make_item(force="gloucestershire", portal_id=4321)
    client = client_as("liaison-lead")
    url = reverse("recommendations:action", args=[item.pk, "no-further-action"])
    form = client.get(url).content.decode()
    assert "ID of the later item that supersedes it" in form
    wrong = client.post(url, {"reason": "Superseded", "superseded_by": "ID 999"})
    assert wrong.status_code == 400
    assert "No Gloucestershire Constabulary item has the ID 999" in wrong.content.decode()
    junk = client.post(url, {"reason": "Superseded", "superseded_by": "the later one"})
    assert "Enter the later item&#39;s ID as digits" in junk.content.decode()
    done = client.post(url, {"reason": "Superseded", "superseded_by": "ID 4321"})
    assert done.status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).superseded_by_id == later.pk


def test_no_further_action_accepts_the_later_items_address(client_as):
    item = make_item(force="gloucestershire")
    later = make_item(force="gloucestershire")
    url = reverse("recommendations:action", args=[item.pk, "no-further-action"])
    address = f"http://portal.example/recommendations/{later.pk}/"
    done = client_as("liaison-lead").post(url, {"reason": "Later", "superseded_by": address})
    assert done.status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).superseded_by_id == later.pk


def test_pasted_bullets_become_a_list_not_doubled(client_as, people):
    item = make_item(force="gloucestershire")
    services.comment_add(
        item=item,
        by=people["liaison-lead"],
        text="Actions agreed: • audit the files • train the staff",
        visibility="internal",
    )
    html = client_as("inspector").get(reverse("recommendations:item", args=[item.pk]))
    html = html.content.decode()
    assert "<li>audit the files</li>" in html and "<li>train the staff</li>" in html
    assert "• audit" not in html


def test_the_item_page_shows_the_age_of_the_last_update_in_words(client_as):
    item = make_item(force="gloucestershire", on=today() - dt.timedelta(days=95))
    html = client_as("inspector").get(reverse("recommendations:item", args=[item.pk]))
    html = html.content.decode()
    day = item.last_entry_on
    assert f'<time datetime="{day.isoformat()}"' in html and "3 months ago" in html


def test_empty_choices_say_what_they_mean(client_as):
    html = client_as("admin").get(reverse("recommendations:import")).content.decode()
    assert "---------" not in html and "Choose a report" in html


@pytest.mark.parametrize(
    "visibility,said",
    [
        ("public", "Public comment added: it is on the monitoring portal"),
        ("internal", "Internal comment added: only the inspectorate and the force see it"),
    ],
)
def test_a_comment_says_whether_it_went_public(client_as, item, visibility, said):
    from django.urls import reverse

    client = client_as("liaison-lead")
    response = client.post(
        reverse("recommendations:action", args=[item.pk, "comment"]),
        {"text": "Seen the plan.", "visibility": visibility},
        follow=True,
    )
    assert said in response.content.decode()


def test_a_moved_target_date_with_a_full_stop_gets_one(people, item):
    """The walk-through saw "re-scheduled.." on the timeline."""
    lead = people["liaison-officer"]
    services.owner_set(
        item=item,
        by=lead,
        version=item.version,
        owner_name="",
        owner_rank="",
        owner_department="",
        target_date=today() + dt.timedelta(days=30),
    )
    item.refresh_from_db()
    services.owner_set(
        item=item,
        by=lead,
        version=item.version,
        owner_name="",
        owner_rank="",
        owner_department="",
        target_date=today() + dt.timedelta(days=60),
        reason="Work re-scheduled.",
    )
    text = TimelineEntry.objects.filter(item=item).order_by("-id").first().text
    assert text.endswith("re-scheduled.") and not text.endswith("..")


def test_the_review_form_names_the_status_the_item_moves_to(client_as, item):
    from django.urls import reverse

    html = (
        client_as("liaison-lead")
        .get(reverse("recommendations:action", args=[item.pk, "review"]))
        .content.decode()
    )
    assert "This moves the item from Awaiting review to Being progressed" in html
