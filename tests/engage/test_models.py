"""The database keeps Engage's rules whatever writes to it: one current stage per force,
stages left once and never deleted, plan updates and reviews append-only."""

import datetime as dt

import pytest
from django.db import IntegrityError, InternalError, transaction

from engage.models import MonitoringStage, PlanAction, PlanActionReview, PlanActionUpdate
from forces.models import Force

from .conftest import add_action, concern_item, put_in_engage

pytestmark = pytest.mark.django_db


def _row(force, **kw):
    values = dict(
        force=force,
        stage="engage",
        entered_on=dt.date(2026, 1, 1),
        reason="Concerns",
        meeting="PPOG 1 January 2026",
    )
    return MonitoringStage(**(values | kw))


def test_at_most_one_current_stage_per_force():
    force = Force.objects.get(slug="gloucestershire")
    _row(force).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(force, stage="scan").save()
    # A left stage beside the current one is fine.
    _row(force, stage="scan", entered_on=dt.date(2025, 1, 1), left_on=dt.date(2026, 1, 1)).save()
    assert MonitoringStage.objects.filter(force=force).count() == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"left_on": dt.date(2025, 12, 31)},  # left before entered
        {"stage": "watch"},
        {"reason": ""},
        {"meeting": ""},
    ],
)
def test_a_stage_row_must_make_sense(bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(Force.objects.get(slug="gloucestershire"), **bad).save()


def test_a_stage_is_left_once_and_never_rewritten_or_deleted():
    row = _row(Force.objects.get(slug="gloucestershire"))
    row.save()
    refused = pytest.raises(InternalError, match="changes only when the force leaves")
    with refused, transaction.atomic():
        MonitoringStage.objects.filter(pk=row.pk).update(reason="Rewritten")
    MonitoringStage.objects.filter(pk=row.pk).update(left_on=dt.date(2026, 2, 1))
    with pytest.raises(InternalError), transaction.atomic():
        MonitoringStage.objects.filter(pk=row.pk).update(left_on=dt.date(2026, 3, 1))
    with pytest.raises(InternalError, match="monitoring stages are kept"), transaction.atomic():
        MonitoringStage.objects.filter(pk=row.pk).delete()


def test_plan_updates_and_reviews_are_append_only(make_user, inspector):
    officer, lead = make_user("liaison-officer"), make_user("liaison-lead")
    put_in_engage("gloucestershire", inspector)
    action = add_action(concern_item(lead=lead), officer)
    update = PlanActionUpdate.objects.create(
        action=action, date=dt.date(2026, 2, 1), text="Done", status_after="done"
    )
    review = PlanActionReview.objects.create(update=update, reviewed_by=lead)
    for model, pk, change in (
        (PlanActionUpdate, update.pk, {"text": "Rewritten"}),
        (PlanActionReview, review.pk, {"comment": "Rewritten"}),
    ):
        with pytest.raises(InternalError, match="append-only"), transaction.atomic():
            model.objects.filter(pk=pk).update(**change)
        with pytest.raises(InternalError, match="append-only"), transaction.atomic():
            model.objects.filter(pk=pk)._raw_delete("default")  # past the ORM's PROTECT
    with pytest.raises(InternalError, match="plan actions are kept"), transaction.atomic():
        PlanAction.objects.filter(pk=action.pk)._raw_delete("default")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAction.objects.filter(pk=action.pk).update(status="finished")
