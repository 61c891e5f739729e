import datetime as dt

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from forces.models import Force
from forces.selectors import display_name
from recommendations import errors, policy, services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.conftest import latest_status, progressed
from tests.factories import FindingFactory, make_item

pytestmark = pytest.mark.django_db


def test_new_item_starts_awaiting_review_dated_at_publication(item):
    entry = item.timeline.get()
    assert (entry.kind, entry.status_id, entry.date) == (
        "status",
        "awaiting-review",
        item.finding.report.published,
    )
    assert item.status_id == latest_status(item) == Status.AWAITING_REVIEW


def test_stored_status_always_equals_the_latest_status_entry(people, item):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    steps = [
        lambda i: services.status_change(item=i, by=lead, to=Status.BEING_PROGRESSED),
        lambda i: services.comment_add(visibility="internal", item=i, by=lead, text="Update"),
        lambda i: services.status_change(item=i, by=lead, to=Status.AWAITING_REVIEW),
        lambda i: services.status_change(item=i, by=lead, to=Status.BEING_PROGRESSED),
        lambda i: services.closure_propose(verified_by="documents", item=i, by=lead, reason="Met"),
        lambda i: services.closure_return(item=i, by=chief, reason="More evidence"),
        lambda i: services.closure_propose(
            verified_by="documents", item=i, by=lead, reason="Met now"
        ),
        lambda i: services.closure_authorise(item=i, by=chief),
    ]
    for step in steps:
        step(item)
        item.refresh_from_db()
        assert item.status_id == latest_status(item)
    assert item.status_id == Status.COMPLETE


def test_history_rows_carry_the_user_and_reason(people, item):
    lead = people["liaison-lead"]
    services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    record = item.history.order_by("-history_date").first()
    assert record.history_user == lead
    assert record.history_change_reason == "Status changed to being-progressed"
    assert record.status_id == Status.BEING_PROGRESSED


def test_national_recommendation_shares_one_text_and_has_two_timelines(people):
    finding = FindingFactory(text="Immediately, the responsibility for mapping ... ")
    glos = make_item(force="gloucestershire", finding=finding)
    dc = make_item(force="devon-and-cornwall", finding=finding)
    assert glos.finding_id == dc.finding_id
    services.comment_add(
        visibility="internal", item=glos, by=people["liaison-lead"], text="Glos only"
    )
    assert glos.timeline.count() == 2
    assert dc.timeline.count() == 1
    assert not dc.timeline.filter(text="Glos only").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrackedItem.objects.create(
            finding=finding,
            force=Force.objects.get(slug="gloucestershire"),
            status_id="awaiting-review",
            last_entry_on=dt.date.today(),
        )


def test_portal_id_is_unique_per_force_only():
    make_item(force="gloucestershire", portal_id=8786)
    make_item(force="west-midlands", portal_id=8786)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_item(force="gloucestershire", portal_id=8786)


def test_timeline_is_append_only_in_the_database(item):
    entry = item.timeline.get()
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).update(text="changed")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).delete()


def test_entries_on_one_date_keep_their_order(people, item):
    lead = people["liaison-lead"]
    for n in range(3):
        services.comment_add(visibility="internal", item=item, by=lead, text=f"Comment {n}")
    today_entries = item.timeline.filter(kind="comment").order_by("date", "position")
    assert [e.text for e in today_entries] == ["Comment 0", "Comment 1", "Comment 2"]


@pytest.mark.parametrize(
    "text,message",
    [
        ("   \n ", "Enter the comment"),
        ("x" * 20_001, "The comment must be 20,000 characters or fewer"),
    ],
)
def test_bad_comment_text_is_refused_and_nothing_written(people, item, text, message):
    with pytest.raises(errors.DomainError, match=message):
        services.comment_add(visibility="internal", item=item, by=people["liaison-lead"], text=text)
    assert item.timeline.count() == 1


def test_future_dated_comment_is_refused(people, item, today):
    with pytest.raises(errors.FutureDate):
        services.comment_add(
            visibility="internal",
            item=item,
            by=people["liaison-lead"],
            text="x",
            on=today + dt.timedelta(days=1),
        )


def test_officer_cannot_touch_another_forces_item(make_user):
    officer = make_user("liaison-officer", "officer.wmp", force_slugs=["west-midlands"])
    other = make_item(force="gloucestershire")
    with pytest.raises(errors.NotPermitted):
        services.comment_add(item=other, by=officer, text="x", action="progress-update")


def test_owner_and_target_date_moves_need_a_reason_and_go_on_the_timeline(people, item, today):
    officer = people["liaison-officer"]
    item = services.owner_set(
        item=item,
        by=officer,
        version=item.version,
        owner_name="Lee Wharmby",
        owner_rank="Supt",
        owner_department="Intelligence",
        target_date=today + dt.timedelta(days=30),
    )
    with pytest.raises(errors.ReasonRequired):
        services.owner_set(
            item=item,
            by=officer,
            version=item.version,
            owner_name="Lee Wharmby",
            owner_rank="Supt",
            owner_department="Intelligence",
            target_date=today + dt.timedelta(days=60),
        )
    item = services.owner_set(
        item=item,
        by=officer,
        version=item.version,
        owner_name="Lee Wharmby",
        owner_rank="Supt",
        owner_department="Intelligence",
        target_date=today + dt.timedelta(days=60),
        reason="Waiting for the new IT system",
    )
    last = item.timeline.order_by("-date", "-position").first()
    assert "Target date moved" in last.text and "Waiting for the new IT system" in last.text
    assert item.owner_display == "Supt, Lee Wharmby, Intelligence"


def test_owner_save_from_a_stale_form_is_refused(people, item):
    officer = people["liaison-officer"]
    loaded = item.version
    services.owner_set(
        item=item,
        by=officer,
        version=loaded,
        owner_name="First",
        owner_rank="",
        owner_department="",
        target_date=None,
    )
    with pytest.raises(errors.ItemChanged):
        services.owner_set(
            item=item,
            by=officer,
            version=loaded,
            owner_name="Second",
            owner_rank="",
            owner_department="",
            target_date=None,
        )
    item.refresh_from_db()
    assert item.owner_name == "First"


def test_closure_needs_two_people(make_user, people, item):
    """A liaison lead proposes and a chief of staff decides. An administrator, who may
    do everything else on every force, may do neither (security review finding: two
    administrators could close an item), and nobody decides their own proposal (the
    database refuses it as well)."""
    admin, other_admin = make_user("admin"), make_user("admin", "admin2")
    lead = people["liaison-lead"]
    progressed(item, admin)
    with pytest.raises(errors.NotPermitted):
        services.closure_propose(verified_by="documents", item=item, by=admin, reason="Met")
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    for person in (admin, other_admin):
        with pytest.raises(errors.NotPermitted):
            services.closure_authorise(item=item, by=person)
        with pytest.raises(errors.NotPermitted):
            services.closure_return(item=item, by=person, reason="no")
    open_one = item.proposals.get()
    assert policy.refusal(lead, "authorise-closure", item, proposal=open_one) is not None
    proposal = ClosureProposal.objects.get(item=item)
    proposal.decided_by = lead
    proposal.state = ClosureProposal.State.AUTHORISED
    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.save()


def test_one_open_proposal_per_item(people, item):
    lead = people["liaison-lead"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    with pytest.raises(errors.ClosureAlreadyProposed):
        services.closure_propose(verified_by="documents", item=item, by=lead, reason="Again")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureProposal.objects.create(item=item, proposed_by=lead, reason="raw")


def test_authorise_writes_status_and_the_public_comment(people, item):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    services.closure_authorise(item=item, by=chief)
    item.refresh_from_db()
    entries = list(item.timeline.order_by("-date", "-position")[:2])
    assert (entries[0].kind, entries[0].event) == ("comment", "closure-authorised")
    assert (entries[0].text, entries[0].visibility) == ("Authorised for closure.", "public")
    assert entries[0].author == chief  # the timeline's author; never on the public page
    assert entries[1].status_id == Status.COMPLETE and entries[1].visibility == "public"
    with pytest.raises(errors.AlreadyAuthorised):
        services.closure_authorise(item=item, by=chief)


def test_return_keeps_item_being_progressed(people, item):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    services.closure_return(item=item, by=chief, reason="Need the audit results")
    item.refresh_from_db()
    assert item.status_id == Status.BEING_PROGRESSED
    assert ClosureProposal.objects.get(item=item).state == "returned"
    with pytest.raises(errors.AlreadyReturned):
        services.closure_return(item=item, by=chief, reason="again")


def test_chief_of_another_region_cannot_authorise(make_user, people, item):
    lead = people["liaison-lead"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    wm_chief = make_user("chief-of-staff", "chief.wm", region_slug="west-midlands-region")
    with pytest.raises(errors.NotPermitted):
        services.closure_authorise(item=item, by=wm_chief)


def test_no_further_action_links_the_later_item(people, item):
    lead = people["liaison-lead"]
    later = make_item(force="gloucestershire")
    services.no_further_action(
        item=item, by=lead, reason="Superseded by 2018 report", superseded_by=later.pk
    )
    item.refresh_from_db()
    assert item.status_id == Status.NO_FURTHER_ACTION
    assert item.superseded_by == later
    assert item.timeline.filter(kind="comment", text="Superseded by 2018 report").exists()


def test_publishing_a_national_report_issues_one_item_per_force(people, today):
    admin = people["admin"]
    report = services.report_publish(
        by=admin,
        title="PEEL 2026",
        slug="peel-2026",
        published=today,
        kind="national",
        findings=[services.FindingInput(kind="recommendation", number=1, text="Do it.")],
        forces=Force.objects.police(),
    )
    items = TrackedItem.objects.filter(finding__report=report)
    assert items.count() == 44
    assert {i.status_id for i in items} == {Status.AWAITING_REVIEW}
    assert {i.last_entry_on for i in items} == {today}
    with pytest.raises(errors.NotPermitted):
        services.report_publish(
            by=people["inspector"], title="x", slug="x", published=today, kind="force"
        )


@pytest.mark.parametrize("publish", [True, False])
def test_the_chiefs_note_is_public_only_when_they_publish_it(people, item, publish):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    services.closure_authorise(
        item=item, by=chief, note="Verified at the March fieldwork.", publish_note=publish
    )
    comments = {
        (e.text, e.visibility)
        for e in item.timeline.filter(event="closure-authorised").order_by("position")
    }
    if publish:
        assert comments == {("Authorised for closure. Verified at the March fieldwork.", "public")}
    else:
        name = display_name(chief)
        assert comments == {
            ("Authorised for closure.", "public"),
            (f"Authorised for closure by {name}: Verified at the March fieldwork.", "internal"),
        }


@pytest.mark.parametrize(
    "action,visibility,expected",
    [
        ("comment", "public", "public"),
        ("comment", "internal", "internal"),
        ("progress-update", "public", "internal"),  # an officer's update is never public
        ("progress-update", "", "internal"),
    ],
)
def test_visibility_follows_the_rules(people, item, action, visibility, expected):
    by = people["liaison-lead"] if action == "comment" else people["liaison-officer"]
    entry = services.comment_add(
        item=item, by=by, text="Words", action=action, visibility=visibility
    )
    assert entry.visibility == expected


def test_a_lead_must_choose_who_sees_a_comment(people, item):
    with pytest.raises(errors.DomainError, match="Choose whether the public will see"):
        services.comment_add(item=item, by=people["liaison-lead"], text="Words")
    assert item.timeline.filter(kind="comment").count() == 0
