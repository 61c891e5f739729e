"""The demo's Engage (devdata/demo_engage.py, run by load_demo): West Midlands Police in
Engage with an accelerated cause of concern and a part-done plan; idempotent."""

import pytest
from django.core.management import call_command

from engage import selectors
from engage.models import MonitoringStage, PlanAction, PlanActionReview, PlanActionUpdate
from forces.models import Force
from recommendations.models import TrackedItem

pytestmark = pytest.mark.django_db


def counts():
    return (
        MonitoringStage.objects.count(),
        PlanAction.objects.count(),
        PlanActionUpdate.objects.count(),
        PlanActionReview.objects.count(),
    )


def test_demo_puts_west_midlands_in_engage_with_a_part_done_plan():
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    wmp = Force.objects.get(slug="west-midlands")
    stage = selectors.current_stage(wmp.pk)
    assert stage is not None and stage.stage == "engage" and stage.meeting.startswith("PPOG")
    item = TrackedItem.objects.get(force=wmp, finding__accelerated=True)
    assert item.finding.kind == "cause-of-concern"
    assert item.finding.letter_date < item.finding.report.published
    plan = selectors.plan_of(item)
    statuses = sorted(a.status for a in plan.actions)
    assert statuses == ["blocked", "done", "done", "in-progress", "not-started"]
    assert (plan.done, plan.total) == (2, 5)
    assert [a.title for a in plan.overdue_actions] == [
        "Publish a demand-management plan for the control room"
    ]
    assert PlanActionUpdate.objects.filter(action__item=item).count() == 5
    before = counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before
