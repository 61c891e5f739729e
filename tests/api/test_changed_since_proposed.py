"""Changed since proposed through the API (issue 26): authorising an item changed since
closure was proposed is 409 with the list of changes, unless the body says
`changes_read: true` or carries the item's version as it is now."""

import datetime as dt

import pytest

from recommendations import services
from recommendations.models import ClosureProposal, Status, TrackedItem
from recommendations.policy import Action
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(people):
    """A proposal, then a progress update from the force."""
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    proposal = services.closure_propose(
        item=item, by=people["liaison-lead"], reason="Met", verified_by="documents"
    )
    services.comment_add(
        item=TrackedItem.objects.get(pk=item.pk),
        by=people["liaison-officer"],
        text="Audit finished after the proposal.",
        action=Action.PROGRESS_UPDATE,
    )
    return proposal


def url(proposal):
    return f"/api/v1/items/{proposal.item_id}/closure-proposals/{proposal.pk}/authorise/"


def test_authorising_a_changed_item_is_409_with_the_changes(api_as, changed):
    answer = api_as("chief-of-staff").post(url(changed), {})
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert "changed since closure was proposed" in body["detail"]
    assert body["version"] == TrackedItem.objects.get(pk=changed.item_id).version
    [change] = body["changes"]
    assert "Audit finished after the proposal." in change["what"]
    assert change["by"]
    assert ClosureProposal.objects.get(pk=changed.pk).state == "open"


def test_authorising_with_changes_read_is_accepted_and_kept(api_as, changed):
    answer = api_as("chief-of-staff").post(url(changed), {"changes_read": True})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["changes_read"] is True
    assert answer.json()["item_version"] == changed.item_version
    assert TrackedItem.objects.get(pk=changed.item_id).status_id == Status.COMPLETE


def test_the_version_read_acknowledges_only_when_current(api_as, changed):
    chief = api_as("chief-of-staff")
    stale = chief.post(url(changed), {"version": changed.item_version})
    assert stale.status_code == 409
    current = stale.json()["version"]
    answer = chief.post(url(changed), {"version": current})
    assert answer.status_code == 200
    assert ClosureProposal.objects.get(pk=changed.pk).changes_read is True


def test_an_unchanged_item_needs_no_acknowledgement(api_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    proposal = services.closure_propose(
        item=item, by=people["liaison-lead"], reason="Met", verified_by="documents"
    )
    answer = api_as("chief-of-staff").post(url(proposal), {})
    assert answer.status_code == 200
    assert answer.json()["changes_read"] is False


def test_a_recheck_date_is_set_and_one_in_the_past_is_422(api_as, changed, today):
    chief = api_as("chief-of-staff")
    past = chief.post(
        url(changed),
        {"changes_read": True, "recheck_on": (today - dt.timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 422
    assert past.json()["errors"] == [
        {"field": "recheck_on", "detail": "The re-check date must be in the future"}
    ]
    on = today + dt.timedelta(days=400)
    done = chief.post(url(changed), {"changes_read": True, "recheck_on": on.isoformat()})
    assert done.status_code == 200
    assert TrackedItem.objects.get(pk=changed.item_id).recheck_on == on


def test_a_version_that_is_not_a_number_is_422(api_as, changed):
    answer = api_as("chief-of-staff").post(url(changed), {"version": "seven"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "version"
