"""Reopening a closed item (issue 26): a regional chief of staff (their region) or an
inspector (any force) reopens a complete or no-further-action-needed item, with an
internal reason and a public one; the item is being progressed again, the closure's
record stays, and the public page shows the public reason only."""

import pytest
from django.test import Client
from django.urls import reverse

from api import services as token_services
from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.api.conftest import ApiClient
from tests.conftest import progressed
from tests.factories import FindingFactory, make_item

INTERNAL = "The 2026 inspection found the custody audits still not done"
PUBLIC = "A later inspection found the problem still present"


def closed_item(people, force="gloucestershire"):
    """An item of the force, closure proposed by its lead and authorised by the chief of
    staff for the South West (so: a force of that region)."""
    item = make_item(force=force)
    lead = people["liaison-lead"]
    progressed(item, lead)
    services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
    services.closure_authorise(item=item, by=people["chief-of-staff"])
    item = TrackedItem.objects.get(pk=item.pk)
    assert item.status_id == Status.COMPLETE
    return item


def reopen_url(item):
    return reverse("recommendations:action", args=[item.pk, "reopen"])


def post(client, item, **extra):
    return client.post(reopen_url(item), {"reason": INTERNAL, "public_reason": PUBLIC, **extra})


def api_of(user):
    return ApiClient(token_services.token_create(user=user, name="Tests", days=30)[1])


def security_events(caplog, name):
    return [
        r.msg
        for r in caplog.records
        if r.name == "tracker.security" and isinstance(r.msg, dict) and r.msg["event"] == name
    ]


@pytest.mark.django_db
def test_the_chief_of_staff_reopens_a_complete_item_of_their_region(
    client_as, people, caplog, django_capture_on_commit_callbacks
):
    item = closed_item(people)
    chief = people["chief-of-staff"]
    page = client_as("chief-of-staff").get(reopen_url(item))
    assert page.status_code == 200
    assert 'name="public_reason"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_as("chief-of-staff"), item)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status_id == Status.BEING_PROGRESSED
    entries = list(TimelineEntry.objects.filter(item=item).order_by("-date", "-position")[:3])
    internal, public, status = entries
    assert status.kind == TimelineEntry.Kind.STATUS
    assert status.status_id == Status.BEING_PROGRESSED
    assert status.visibility == TimelineEntry.Visibility.PUBLIC
    assert public.event == internal.event == TimelineEntry.Event.REOPENED
    assert public.visibility == TimelineEntry.Visibility.PUBLIC
    assert public.text == f"Reopened: {PUBLIC}"
    assert internal.visibility == TimelineEntry.Visibility.INTERNAL
    assert INTERNAL in internal.text and "was complete" in internal.text
    assert item.history.first().history_change_reason == "Reopened (was complete)"
    assert item.history.first().history_user == chief
    # The closure's record stays as it was decided.
    assert ClosureProposal.objects.get(item=item).state == ClosureProposal.State.AUTHORISED
    [logged] = security_events(caplog, "item-reopened")
    assert logged["item"] == item.pk and logged["user_id"] == chief.pk
    assert logged["previous"] == Status.COMPLETE
    # The item page shows it reopened, and offers no second reopening.
    shown = client_as("chief-of-staff").get(reverse("recommendations:item", args=[item.pk]))
    html = shown.content.decode()
    assert "Reopened" in html and PUBLIC in html
    assert reopen_url(item) not in html


@pytest.mark.django_db
def test_an_inspector_reopens_a_no_further_action_item_of_any_force_naming_the_finding(
    client_as, people
):
    item = make_item(force="west-midlands")
    admin = people["admin"]
    services.no_further_action(item=item, by=admin, reason="Superseded")
    later = make_item(force="west-midlands", finding=FindingFactory.create())
    response = post(client_as("inspector"), item, finding=str(later.finding_id))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status_id == Status.BEING_PROGRESSED
    internal = TimelineEntry.objects.filter(
        item=item, event="reopened", visibility="internal"
    ).get()
    assert later.finding.reference in internal.text
    assert "was no-further-action-needed" in internal.text


@pytest.mark.django_db
def test_a_chief_outside_the_region_gets_not_found_and_nothing_changes(client_as, people):
    item = make_item(force="west-midlands")
    services.no_further_action(item=item, by=people["admin"], reason="Superseded")
    before = TimelineEntry.objects.filter(item=item).count()
    assert post(client_as("chief-of-staff"), item).status_code == 404
    assert client_as("chief-of-staff").get(reopen_url(item)).status_code == 404
    assert TimelineEntry.objects.filter(item=item).count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["liaison-lead", "liaison-officer", "admin"])
def test_a_lead_an_officer_or_an_administrator_may_not_reopen(client_as, people, role):
    item = closed_item(people)
    before = TimelineEntry.objects.filter(item=item).count()
    assert post(client_as(role), item).status_code == 403
    item.refresh_from_db()
    assert item.status_id == Status.COMPLETE
    assert TimelineEntry.objects.filter(item=item).count() == before


@pytest.mark.django_db
def test_an_open_item_is_not_reopened(client_as, people, item):
    response = post(client_as("chief-of-staff"), item)
    assert response.status_code == 409
    assert not TimelineEntry.objects.filter(item=item, event="reopened").exists()


@pytest.mark.django_db
def test_both_reasons_are_needed_and_the_finding_must_be_one_the_person_sees(client_as, people):
    item = closed_item(people)
    client = client_as("chief-of-staff")
    missing = client.post(reopen_url(item), {"reason": INTERNAL})
    assert missing.status_code == 400
    assert "Enter what the public will see" in missing.content.decode()
    elsewhere = make_item(force="west-midlands")  # outside the chief's region
    unseen = post(client, item, finding=str(elsewhere.finding_id))
    assert unseen.status_code == 400
    assert "no finding with that number that you can see" in unseen.content.decode()
    own = post(client, item, finding=f"/findings/{item.finding_id}/")
    assert own.status_code == 400
    item.refresh_from_db()
    assert item.status_id == Status.COMPLETE


@pytest.mark.django_db
def test_a_reopened_items_public_page_shows_the_public_reason_never_the_internal_one(
    client_as, people
):
    item = closed_item(people)
    assert post(client_as("inspector"), item).status_code == 302
    page = Client().get(f"/monitoring/gloucestershire/{item.portal_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert PUBLIC in html
    assert INTERNAL not in html


@pytest.mark.django_db
def test_reopened_items_are_filterable(client_as, people):
    reopened = closed_item(people)
    other = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    assert post(client_as("chief-of-staff"), reopened).status_code == 302
    listing = reverse("recommendations:list")
    shown = client_as("chief-of-staff").get(listing, {"reopened": "yes"})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert reverse("recommendations:item", args=[reopened.pk]) in html
    assert reverse("recommendations:item", args=[other.pk]) not in html
    not_reopened = client_as("chief-of-staff").get(listing, {"reopened": "no"})
    assert reverse("recommendations:item", args=[reopened.pk]) not in (
        not_reopened.content.decode()
    )


@pytest.mark.django_db
def test_the_api_reopens_and_refuses_as_the_pages_do(people):
    def api_as(role):
        return api_of(people[role])

    item = closed_item(people)
    url = f"/api/v1/items/{item.pk}/reopen/"
    body = {"reason": INTERNAL, "public_reason": PUBLIC}
    assert api_as("liaison-lead").post(url, body).status_code == 403
    assert api_as("chief-of-staff").post(url, {"reason": INTERNAL}).status_code == 422
    response = api_as("chief-of-staff").post(url, body)
    assert response.status_code == 200
    assert response.json()["status"] == Status.BEING_PROGRESSED
    again = api_as("inspector").post(url, body)
    assert again.status_code == 409
    elsewhere = make_item(force="west-midlands")
    outside = api_as("chief-of-staff").post(f"/api/v1/items/{elsewhere.pk}/reopen/", body)
    assert outside.status_code == 404


@pytest.mark.django_db
def test_reopening_answers_a_pending_effectiveness_recheck(people):
    """A re-check due on a closed item is answered by reopening it: the item no longer
    shows as due a re-check (`recheck=due`) while it is being progressed, or after it is
    closed again."""
    import datetime as dt

    item = closed_item(people)
    TrackedItem.objects.filter(pk=item.pk).update(recheck_on=dt.date.today())
    services.item_reopen(
        item=TrackedItem.objects.get(pk=item.pk),
        by=people["chief-of-staff"],
        reason=INTERNAL,
        public_reason=PUBLIC,
    )
    assert TrackedItem.objects.get(pk=item.pk).recheck_on is None
