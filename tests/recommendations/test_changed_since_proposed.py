"""Changed since proposed (issue 26): a proposal keeps the item's version; a chief of
staff authorises a changed item only after saying they read the changes, through every
door (the service, the page, bulk, the API), and the proposal keeps whether they did."""

import datetime as dt

import pytest

from recommendations import errors, services
from recommendations.models import ClosureProposal, Status, TrackedItem
from recommendations.policy import Action
from recommendations.services.closure import ChangedSinceProposed, changes_since_proposed
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    return services.closure_propose(
        item=item, by=people["liaison-lead"], reason="Met", verified_by="documents"
    )


def fresh(proposal):
    return TrackedItem.objects.get(pk=proposal.item_id)


def updated(proposal, people, text="Trained 40 more officers."):
    services.comment_add(
        item=fresh(proposal), by=people["liaison-officer"], text=text, action=Action.PROGRESS_UPDATE
    )


def test_a_proposal_keeps_the_item_version_after_its_own_change(proposal):
    assert proposal.item_version == fresh(proposal).version
    assert ClosureProposal.objects.get(pk=proposal.pk).item_version == fresh(proposal).version
    assert changes_since_proposed([proposal]) == {proposal.pk: []}


def test_an_unchanged_proposal_is_authorised_without_reading_anything(proposal, people):
    decided = services.closure_authorise(item=fresh(proposal), by=people["chief-of-staff"])
    assert decided.state == "authorised"
    assert decided.changes_read is False


def test_an_update_after_the_proposal_is_listed_with_date_and_who(proposal, people):
    updated(proposal, people)
    [change] = changes_since_proposed([proposal])[proposal.pk]
    assert "Progress update" in change.line
    assert "Trained 40 more officers." in change.line
    assert people["liaison-officer"].get_full_name() in change.line or (
        people["liaison-officer"].username in change.line
    )


def test_owner_and_target_date_changes_are_listed(proposal, people, today):
    item = fresh(proposal)
    services.owner_set(
        item=item,
        by=people["liaison-officer"],
        version=item.version,
        owner_name="Supt Lee",
        owner_rank="",
        owner_department="",
        target_date=today + dt.timedelta(days=30),
        reason="",
    )
    lines = " ".join(c.line for c in changes_since_proposed([proposal])[proposal.pk])
    assert "Owner's name changed from not set to Supt Lee" in lines
    assert "Target date changed from not set to" in lines


def test_a_changed_proposal_is_refused_without_reading_and_kept_open(proposal, people):
    updated(proposal, people)
    with pytest.raises(ChangedSinceProposed) as refused:
        services.closure_authorise(item=fresh(proposal), by=people["chief-of-staff"])
    assert refused.value.field == "changes_read"
    assert "Trained 40" in refused.value.changes[0].line
    assert ClosureProposal.objects.get(pk=proposal.pk).state == "open"
    assert fresh(proposal).status_id == Status.BEING_PROGRESSED


def test_a_changed_proposal_is_authorised_once_the_changes_are_read(proposal, people):
    updated(proposal, people)
    decided = services.closure_authorise(
        item=fresh(proposal), by=people["chief-of-staff"], changes_read=True
    )
    assert ClosureProposal.objects.get(pk=decided.pk).changes_read is True
    assert fresh(proposal).status_id == Status.COMPLETE


def test_the_version_seen_acknowledges_only_when_it_is_the_current_one(proposal, people):
    updated(proposal, people)
    item = fresh(proposal)
    with pytest.raises(ChangedSinceProposed):
        services.closure_authorise(
            item=item, by=people["chief-of-staff"], seen_version=proposal.item_version
        )
    decided = services.closure_authorise(
        item=item, by=people["chief-of-staff"], seen_version=item.version
    )
    assert ClosureProposal.objects.get(pk=decided.pk).changes_read is True


def test_returning_a_changed_proposal_needs_no_acknowledgement_and_keeps_the_record(
    proposal, people
):
    updated(proposal, people)
    services.closure_return(item=fresh(proposal), by=people["chief-of-staff"], reason="More")
    kept = ClosureProposal.objects.get(pk=proposal.pk)
    assert kept.state == "returned"
    assert kept.item_version == proposal.item_version
    assert kept.changes_read is False


def test_a_recheck_date_is_set_when_authorising(proposal, people, today):
    on = today + dt.timedelta(days=365)
    services.closure_authorise(item=fresh(proposal), by=people["chief-of-staff"], recheck_on=on)
    assert fresh(proposal).recheck_on == on


@pytest.mark.parametrize("days", [0, -1])
def test_a_recheck_date_not_in_the_future_is_refused(proposal, people, today, days):
    with pytest.raises(errors.DomainError) as refused:
        services.closure_authorise(
            item=fresh(proposal),
            by=people["chief-of-staff"],
            recheck_on=today + dt.timedelta(days=days),
        )
    assert refused.value.field == "recheck_on"
    assert refused.value.message == "The re-check date must be in the future"
    assert ClosureProposal.objects.get(pk=proposal.pk).state == "open"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_decisions_on_a_changed_proposal_one_wins(people, make_user):
    """Real PostgreSQL threads: two chiefs of the region decide the same changed proposal
    at once, each having read the changes, one authorising and one returning it, while
    a third authorises without reading them. Exactly one decision is kept."""
    from django.db import connection

    from tests.recommendations.test_concurrency import run_concurrently

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    proposal = services.closure_propose(
        item=item, by=people["liaison-lead"], reason="Met", verified_by="documents"
    )
    updated(proposal, people)
    chiefs = [
        people["chief-of-staff"],
        make_user("chief-of-staff", "chief.two", region_slug="south-west"),
        make_user("chief-of-staff", "chief.three", region_slug="south-west"),
    ]

    def decide(index):
        chief = chiefs[index % 3]
        fresh_item = TrackedItem.objects.get(pk=item.pk)
        if index % 3 == 0:
            return services.closure_authorise(item=fresh_item, by=chief, changes_read=True)
        if index % 3 == 1:
            return services.closure_return(item=fresh_item, by=chief, reason="Not yet")
        return services.closure_authorise(item=fresh_item, by=chief)

    results = run_concurrently(9, decide)
    won = [r for r in results if isinstance(r, ClosureProposal)]
    assert len(won) == 1, results
    refused = [r for r in results if not isinstance(r, ClosureProposal)]
    assert all(
        isinstance(r, errors.AlreadyAuthorised | errors.AlreadyReturned | ChangedSinceProposed)
        for r in refused
    ), results
    kept = ClosureProposal.objects.get(pk=proposal.pk)
    assert kept.state == won[0].state
    assert kept.changes_read is (kept.state == "authorised")
    assert kept.item_version == proposal.item_version
    expected = Status.COMPLETE if kept.state == "authorised" else Status.BEING_PROGRESSED
    assert TrackedItem.objects.get(pk=item.pk).status_id == expected
    assert ClosureProposal.history.filter(id=proposal.pk).count() == 2  # made, decided


def test_a_proposal_made_before_versions_were_kept_is_judged_from_the_records(people):
    """Older proposals have no `item_version`: what was written after them decides."""
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    old = ClosureProposal.objects.create(
        item=item, proposed_by=people["liaison-lead"], reason="Met", verified_by="insight"
    )
    assert old.item_version is None
    assert changes_since_proposed([old]) == {old.pk: []}
    updated(old, people, text="Written after the old proposal.")
    with pytest.raises(ChangedSinceProposed) as refused:
        services.closure_authorise(item=fresh(old), by=people["chief-of-staff"])
    assert "Written after the old proposal." in refused.value.changes[0].line
    services.closure_authorise(item=fresh(old), by=people["chief-of-staff"], changes_read=True)
    assert ClosureProposal.objects.get(pk=old.pk).changes_read is True


def test_a_new_liaison_lead_is_named_in_the_changes(proposal, people, make_user):
    other = make_user("liaison-lead", "lead.two", force_slugs=["gloucestershire"])
    other.first_name, other.last_name = "Pat", "Second"
    other.save()
    services.liaison_lead_assign(item=fresh(proposal), by=people["admin"], lead=other)
    lines = [c.line for c in changes_since_proposed([proposal])[proposal.pk]]
    assert any("Liaison lead changed from" in line and "to Pat Second" in line for line in lines)
