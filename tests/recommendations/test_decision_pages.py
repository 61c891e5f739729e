"""The pages a closure is proposed and decided on (issues 25 and 26): the propose page
shows what the item asks and its evidence; the decision page shows the proposal, its
evidence and what changed since it was proposed, asks "I have read the changes" before
a changed item is authorised, takes a re-check date, and offers "Save and go to the next
proposal"."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import ClosureProposal, Status, TrackedItem
from recommendations.policy import Action
from tests.conftest import progressed
from tests.evidence.conftest import PDF, evidence_storage, upload  # noqa: F401  # a fixture
from tests.factories import FindingFactory, make_item

pytestmark = pytest.mark.django_db


def action_url(item, action):
    return reverse("recommendations:action", args=[item.pk, action])


def propose(people, item=None, reason="Met"):
    item = item or progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    return services.closure_propose(
        item=item, by=people["liaison-lead"], reason=reason, verified_by="reality-testing"
    )


def update(client_as, proposal, text="Audit finished after the proposal.", files=()):
    item = TrackedItem.objects.get(pk=proposal.item_id)
    data = {"text": text, "marking": "OFFICIAL"}
    if files:
        data["files"] = [upload(name, content) for name, content in files]
    answer = client_as("liaison-officer").post(action_url(item, "progress-update"), data)
    assert answer.status_code == 302, answer.content.decode()


def text(answer):
    return re.sub(r"\s+", " ", answer.content.decode())


# The propose page ---------------------------------------------------------------------


def test_the_propose_page_shows_the_recommendation_and_its_evidence(client_as, people):
    finding = FindingFactory(text="The force should train every call handler in THRIVE.")
    item = progressed(make_item(force="gloucestershire", finding=finding), people["liaison-lead"])
    client_as("liaison-officer").post(
        action_url(item, "progress-update"),
        {"text": "Training plan", "marking": "OFFICIAL", "files": [upload("plan.pdf", PDF)]},
    )
    page = text(client_as("liaison-lead").get(action_url(item, "propose-closure")))
    assert "The force should train every call handler in THRIVE." in page
    assert "plan.pdf" in page
    assert re.search(r'href="/recommendations/\d+/evidence/\d+/"', page)


def test_the_propose_page_says_when_there_is_no_evidence(client_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    page = text(client_as("liaison-lead").get(action_url(item, "propose-closure")))
    assert "No evidence files have been added to this item." in page


# The decision page ---------------------------------------------------------------------


def test_the_decision_page_shows_the_proposal_and_its_evidence(client_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    client_as("liaison-officer").post(
        action_url(item, "progress-update"),
        {"text": "Audit", "marking": "OFFICIAL", "files": [upload("audit.pdf", PDF)]},
    )
    propose(people, TrackedItem.objects.get(pk=item.pk), reason="Reality tested in May.")
    page = text(client_as("chief-of-staff").get(action_url(item, "authorise-closure")))
    assert "Reality tested in May." in page
    assert "Verified by: reality testing" in page
    assert "audit.pdf" in page
    assert "Changed since proposed" not in page
    assert 'name="changes_read"' not in page
    assert "Save and go to the next proposal" in page


def test_a_changed_proposal_lists_the_changes_and_asks_to_read_them(client_as, people):
    proposal = propose(people)
    update(client_as, proposal, files=[("late-audit.pdf", PDF)])
    page = text(
        client_as("chief-of-staff").get(
            action_url(TrackedItem.objects.get(pk=proposal.item_id), "authorise-closure")
        )
    )
    assert "Changed since proposed" in page
    assert "Audit finished after the proposal." in page
    assert "Evidence added: <a" in page and "late-audit.pdf" in page
    assert 'name="changes_read"' in page
    assert "I have read the changes" in page


def test_authorising_a_changed_proposal_without_reading_is_refused_on_the_form(client_as, people):
    proposal = propose(people)
    update(client_as, proposal)
    item = TrackedItem.objects.get(pk=proposal.item_id)
    answer = client_as("chief-of-staff").post(action_url(item, "authorise-closure"), {})
    assert answer.status_code == 400
    page = text(answer)
    assert "There is a problem" in page
    assert "tick “I have read the changes” to authorise it" in page
    assert "Audit finished after the proposal." in page  # the changes, still in view
    assert ClosureProposal.objects.get(pk=proposal.pk).state == "open"


def test_authorising_a_changed_proposal_with_reading_is_accepted(client_as, people):
    proposal = propose(people)
    update(client_as, proposal)
    item = TrackedItem.objects.get(pk=proposal.item_id)
    answer = client_as("chief-of-staff").post(
        action_url(item, "authorise-closure"), {"changes_read": "on"}
    )
    assert answer.status_code == 302
    decided = ClosureProposal.objects.get(pk=proposal.pk)
    assert decided.state == "authorised"
    assert decided.changes_read is True
    assert TrackedItem.objects.get(pk=item.pk).status_id == Status.COMPLETE


def test_returning_a_changed_proposal_needs_no_reading(client_as, people):
    proposal = propose(people)
    update(client_as, proposal)
    item = TrackedItem.objects.get(pk=proposal.item_id)
    page = text(client_as("chief-of-staff").get(action_url(item, "return-closure")))
    assert "Changed since proposed" in page
    answer = client_as("chief-of-staff").post(
        action_url(item, "return-closure"), {"reason": "Let us see the audit first."}
    )
    assert answer.status_code == 302
    assert ClosureProposal.objects.get(pk=proposal.pk).state == "returned"


def test_a_recheck_date_is_set_when_authorising(client_as, people, today):
    proposal = propose(people)
    item = TrackedItem.objects.get(pk=proposal.item_id)
    on = today + dt.timedelta(days=500)
    answer = client_as("chief-of-staff").post(
        action_url(item, "authorise-closure"),
        {"recheck_on_0": on.day, "recheck_on_1": on.month, "recheck_on_2": on.year},
    )
    assert answer.status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).recheck_on == on


def test_a_recheck_date_in_the_past_is_an_error_on_the_form(client_as, people, today):
    proposal = propose(people)
    item = TrackedItem.objects.get(pk=proposal.item_id)
    on = today - dt.timedelta(days=1)
    answer = client_as("chief-of-staff").post(
        action_url(item, "authorise-closure"),
        {"recheck_on_0": on.day, "recheck_on_1": on.month, "recheck_on_2": on.year},
    )
    assert answer.status_code == 400
    assert "The re-check date must be in the future" in text(answer)
    assert ClosureProposal.objects.get(pk=proposal.pk).state == "open"


# Save and go to the next proposal -----------------------------------------------------


def test_save_and_next_goes_to_the_oldest_other_proposal_then_home(client_as, people):
    first = propose(people)
    second = propose(people)
    third = propose(people)
    chief = client_as("chief-of-staff")
    answer = chief.post(
        action_url(TrackedItem.objects.get(pk=second.item_id), "authorise-closure"),
        {"then": "next"},
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse(
        "recommendations:action", args=[first.item_id, Action.AUTHORISE_CLOSURE]
    )
    answer = chief.post(
        reverse("recommendations:action", args=[first.item_id, "return-closure"]),
        {"reason": "Not yet", "then": "next"},
    )
    assert answer["Location"] == reverse(
        "recommendations:action", args=[third.item_id, Action.AUTHORISE_CLOSURE]
    )
    answer = chief.post(
        action_url(TrackedItem.objects.get(pk=third.item_id), "authorise-closure"),
        {"then": "next"},
    )
    assert answer["Location"] == reverse("recommendations:dashboard")
    home = text(chief.get(answer["Location"]))
    assert "There are no more closure proposals for you to decide." in home


def test_save_and_next_skips_proposals_outside_the_chiefs_region(client_as, people, make_user):
    lead_wm = make_user("liaison-lead", "lead.wm", force_slugs=["west-midlands"])
    elsewhere = progressed(make_item(force="west-midlands"), lead_wm)
    services.closure_propose(item=elsewhere, by=lead_wm, reason="Met", verified_by="insight")
    mine = propose(people)  # proposed after the other region's: it is the oldest only here
    chief = client_as("chief-of-staff")
    answer = chief.post(
        action_url(TrackedItem.objects.get(pk=mine.item_id), "authorise-closure"),
        {"then": "next"},
    )
    assert answer["Location"] == reverse("recommendations:dashboard")


def test_without_save_and_next_the_decision_goes_back_to_the_item(client_as, people):
    propose(people)
    proposal = propose(people)
    answer = client_as("chief-of-staff").post(
        action_url(TrackedItem.objects.get(pk=proposal.item_id), "authorise-closure"), {}
    )
    assert answer["Location"] == reverse("recommendations:item", args=[proposal.item_id])
