"""The services of Engage: who may set a force's stage and write or review its plan, the
stage's dated history, and the closure rule for causes of concern with open actions."""

import datetime as dt

import pytest

from engage import selectors, services
from engage.models import MonitoringStage, PlanAction, PlanActionUpdate
from forces.models import Force
from recommendations import errors
from recommendations import services as core
from recommendations.models import ClosureProposal, Finding, TimelineEntry
from tests.factories import FindingFactory, make_item

from .conftest import PLAN_DATE, add_action, concern_item, put_in_engage

pytestmark = pytest.mark.django_db


def glos():
    return Force.objects.get(slug="gloucestershire")


def test_setting_the_stage_closes_the_current_row_and_opens_the_next(inspector):
    assert selectors.engage_since(glos().pk) is None  # no row: Scan
    put_in_engage("gloucestershire", inspector)
    assert selectors.engage_since(glos().pk) == PLAN_DATE
    left = services.stage_set(
        force=glos(),
        stage="scan",
        entered_on=dt.date(2026, 6, 1),
        reason="The plan is delivered.",
        meeting="PPOG 1 June 2026",
        by=inspector,
    )
    rows = selectors.stage_history(glos())
    assert [(r.stage, r.entered_on, r.left_on) for r in rows] == [
        ("scan", dt.date(2026, 6, 1), None),
        ("engage", PLAN_DATE, dt.date(2026, 6, 1)),
    ]
    assert rows[0] == left and left.decided_by == inspector
    assert selectors.engage_since(glos().pk) is None
    assert MonitoringStage.history.filter(force=glos()).count() == 3  # two rows, one left


def test_an_administrator_sets_the_stage_too(make_user):
    row = put_in_engage("gloucestershire", make_user("admin"))
    assert row.stage == "engage"


@pytest.mark.parametrize("role", ["liaison-officer", "liaison-lead", "chief-of-staff"])
def test_only_inspectors_and_administrators_set_the_stage(make_user, role):
    with pytest.raises(errors.NotPermitted):
        put_in_engage("gloucestershire", make_user(role))
    assert not MonitoringStage.objects.exists()


def test_pcc_office_may_not_set_the_stage(make_user):
    office = make_user("pcc-office", force_slugs=["gloucestershire-pcc"])
    with pytest.raises(errors.NotPermitted):
        put_in_engage("gloucestershire", office)


def test_stage_input_is_checked(inspector, today):
    with pytest.raises(services.AlreadyInStage, match="already in Scan"):
        services.stage_set(
            force=glos(),
            stage="scan",
            entered_on=PLAN_DATE,
            reason="x",
            meeting="PPOG",
            by=inspector,
        )
    put_in_engage("gloucestershire", inspector)
    with pytest.raises(services.AlreadyInStage, match="already in Engage"):
        put_in_engage("gloucestershire", inspector)
    cases = [
        (dict(stage="scan", entered_on=PLAN_DATE - dt.timedelta(days=1)), "entered_on"),
        (dict(stage="scan", entered_on=today + dt.timedelta(days=1)), "entered_on"),
        (dict(stage="monitor", entered_on=PLAN_DATE), "stage"),
        (dict(stage="scan", entered_on=PLAN_DATE, reason="  "), "reason"),
        (dict(stage="scan", entered_on=PLAN_DATE, meeting=""), "meeting"),
        (dict(stage="scan", entered_on=PLAN_DATE, reason="bad\x07text"), "reason"),
        (dict(stage="scan", entered_on=PLAN_DATE, meeting="PPOG\u202e"), "meeting"),
    ]
    for given, field in cases:
        values = dict(reason="Improved.", meeting="PPOG 1 June 2026") | given
        with pytest.raises(errors.DomainError) as raised:
            services.stage_set(force=glos(), by=inspector, **values)
        assert raised.value.field == field, given
    assert MonitoringStage.objects.count() == 1


def test_liaison_officer_adds_and_updates_own_forces_plan(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    put_in_engage("gloucestershire", inspector)
    item = concern_item(lead=lead)
    action = add_action(item, officer)
    assert (action.status, action.created_by, action.item) == ("not-started", officer, item)
    update = services.plan_update_add(
        action=action,
        by=officer,
        text="Recruitment started.",
        status="in-progress",
        on=dt.date(2026, 2, 1),
    )
    action.refresh_from_db()
    assert action.status == "in-progress"
    assert (update.status_after, update.author, update.date) == (
        "in-progress",
        officer,
        dt.date(2026, 2, 1),
    )
    changed = services.plan_action_change(
        action=action,
        by=officer,
        title="Train 50 call handlers",
        owner="Supt Lee",
        due_on=dt.date(2026, 9, 30),
        description="Widened after the audit.",
    )
    assert (changed.title, changed.owner) == ("Train 50 call handlers", "Supt Lee")
    assert PlanAction.history.filter(id=action.pk).count() == 3  # added, update, change


def test_plan_needs_engage_and_a_cause_of_concern_or_recommendation(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    item = concern_item(lead=lead)
    with pytest.raises(services.NotInEngage):
        add_action(item, officer)
    put_in_engage("gloucestershire", inspector)
    afi = make_item(finding=FindingFactory(kind=Finding.Kind.AREA_FOR_IMPROVEMENT))
    with pytest.raises(services.NoPlanForKind):
        add_action(afi, officer)
    assert add_action(make_item(), officer).pk  # a recommendation has one


@pytest.mark.parametrize("role", ["liaison-lead", "chief-of-staff", "inspector"])
def test_only_the_forces_officers_write_the_plan(make_user, inspector, role):
    put_in_engage("gloucestershire", inspector)
    with pytest.raises(errors.NotPermitted):
        add_action(concern_item(), make_user(role, username=f"x-{role}"))


def test_an_officer_of_another_force_is_outside_scope(make_user, inspector):
    put_in_engage("devon-and-cornwall", inspector)
    officer = make_user("liaison-officer")
    with pytest.raises(errors.OutsideScope):
        add_action(concern_item("devon-and-cornwall"), officer)
    own = make_user("liaison-officer", username="officer-dc", force_slugs=["devon-and-cornwall"])
    action = add_action(concern_item("devon-and-cornwall"), own)
    with pytest.raises(errors.OutsideScope):
        services.plan_update_add(action=action, by=officer, text="Mine", status="done")


def test_a_pcc_office_reads_but_does_not_write_the_plan(make_user, inspector):
    put_in_engage("gloucestershire", inspector)
    office = make_user("pcc-office", force_slugs=["gloucestershire-pcc"])
    with pytest.raises(errors.NotPermitted):
        add_action(concern_item(), office)


def test_update_input_is_checked(make_user, inspector, today):
    officer = make_user("liaison-officer")
    put_in_engage("gloucestershire", inspector)
    action = add_action(concern_item(), officer)
    for given, field in [
        (dict(text="x", status="finished"), "status"),
        (dict(text="  ", status="done"), "text"),
        (dict(text="ok", status="done", on=today + dt.timedelta(days=1)), "date"),
        (dict(text="bad\x00", status="done"), "text"),
    ]:
        with pytest.raises(errors.DomainError) as raised:
            services.plan_update_add(action=action, by=officer, **given)
        assert raised.value.field == field
    with pytest.raises(errors.DomainError) as raised:
        services.plan_action_add(
            item=action.item, by=officer, title="", owner="x", due_on=dt.date(2026, 1, 1)
        )
    assert raised.value.field == "title"
    assert not PlanActionUpdate.objects.exists()


def test_a_closed_item_takes_no_plan_changes(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    put_in_engage("gloucestershire", inspector)
    item = concern_item(lead=lead)
    action = add_action(item, officer)
    core.no_further_action(item=item, by=lead, reason="Superseded")
    with pytest.raises(errors.InvalidTransition):
        services.plan_update_add(action=action, by=officer, text="Late", status="done")


def test_the_lead_reviews_an_update_once(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    put_in_engage("gloucestershire", inspector)
    action = add_action(concern_item(lead=lead), officer)
    update = services.plan_update_add(action=action, by=officer, text="Done.", status="done")
    with pytest.raises(errors.NotPermitted):
        services.plan_update_review(update=update, by=officer)
    review = services.plan_update_review(update=update, by=lead, comment="Seen the records.")
    assert (review.reviewed_by, review.comment) == (lead, "Seen the records.")
    with pytest.raises(services.AlreadyReviewed):
        services.plan_update_review(update=update, by=make_user("admin"))


def _propose(item, lead, **kw):
    return core.closure_propose(
        item=item, by=lead, reason="The force has met it.", verified_by="documents", **kw
    )


def test_a_cause_of_concern_with_open_actions_needs_the_leads_reason(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    put_in_engage("gloucestershire", inspector)
    item = concern_item(lead=lead)
    first, _second = add_action(item, officer), add_action(item, officer, title="Audit calls")
    with pytest.raises(errors.DomainError, match="2 open actions") as raised:
        _propose(item, lead)
    assert raised.value.field == "open_actions_reason"
    services.plan_update_add(action=first, by=officer, text="Done.", status="done")
    with pytest.raises(errors.DomainError, match="1 open action "):
        _propose(item, lead, open_actions_reason="   ")
    assert not ClosureProposal.objects.exists()
    proposal = _propose(item, lead, open_actions_reason="The audit is routine business now.")
    assert proposal.state == "open"
    entry = TimelineEntry.objects.filter(item=item, event="closure-proposed").get()
    assert "Proposed with 1 improvement plan action not done: The audit is routine" in entry.text


def test_closure_rule_only_for_causes_of_concern_with_open_actions(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    put_in_engage("gloucestershire", inspector)
    recommendation = make_item()
    core.status_change(item=recommendation, by=lead, to="being-progressed")
    add_action(recommendation, officer)
    assert _propose(recommendation, lead).pk  # a recommendation: no reason needed
    concern = concern_item(lead=lead)
    action = add_action(concern, officer)
    services.plan_update_add(action=action, by=officer, text="Done.", status="done")
    proposal = _propose(concern, lead)  # every action done
    entry = TimelineEntry.objects.filter(item=concern, event="closure-proposed").get()
    assert proposal.pk and "improvement plan" not in entry.text
