"""The home pages' figures, read from the counts table and index ranges (issue 29), equal
the single passes over the items they replaced, for the whole country and for a scope:
the summary's seven figures, the ageing buckets (an item updated exactly on a bucket's
edge, and one dated in the future, included), the national bodies and the completion
by report."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db.models import Count, Q

from devdata.seeding import seed
from forces.models import Force
from recommendations import dashboards
from recommendations.models import InspectionReport, Status, TrackedItem
from recommendations.selectors import (
    items_visible_to,
    overdue_q,
    recheck_due_q,
    review_overdue_q,
    stale_q,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    seed(items=400, seed=29, recipients=True)
    on = today()
    edges = [dashboards._months_ago(on, m) for m in (3, 6, 12)]
    open_items = list(TrackedItem.objects.filter(status__is_open=True).order_by("id")[:5])
    for item, day in zip(open_items, [*edges, on + dt.timedelta(days=3), on], strict=True):
        TrackedItem.objects.filter(pk=item.pk).update(last_entry_on=day)
    first = TrackedItem.objects.filter(status__is_open=False).order_by("id").first()
    assert first is not None
    TrackedItem.objects.filter(pk=first.pk).update(recheck_on=on - dt.timedelta(days=1))


def summary_in_one_pass(user):
    on = today()
    return items_visible_to(user).aggregate(
        open=Count("id", filter=Q(status__is_open=True)),
        awaiting_review=Count("id", filter=Q(status_id=Status.AWAITING_REVIEW)),
        being_progressed=Count("id", filter=Q(status_id=Status.BEING_PROGRESSED)),
        overdue=Count("id", filter=overdue_q(on)),
        stale=Count("id", filter=stale_q(on)),
        review_overdue=Count("id", filter=review_overdue_q(on)),
        recheck_due=Count("id", filter=recheck_due_q(on)),
    )


def ageing_in_one_pass(force_ids):
    on = today()
    qs = TrackedItem.objects.filter(status__is_open=True)
    if force_ids is not None:
        qs = qs.filter(force_id__in=force_ids)
    found = []
    for low, high, label in dashboards.AGE_BUCKETS:
        cond = Q(last_entry_on__lte=dashboards._months_ago(on, low))
        if high is not None:
            cond &= Q(last_entry_on__gt=dashboards._months_ago(on, high))
        found.append((label, qs.filter(cond).count()))
    return found


def completion_in_one_pass(force_ids):
    items = Q()
    if force_ids is not None:
        items = Q(findings__items__force_id__in=force_ids)
    closed = Q(findings__items__status__is_open=False)
    reports = (
        InspectionReport.objects.annotate(
            total=Count("findings__items", filter=items),
            done=Count("findings__items", filter=items & closed),
        )
        .filter(total__gt=0)
        .order_by("-published", "-id")
    )[:20]
    return [(r.pk, r.total, r.done) for r in reports]


@pytest.mark.parametrize("role", ["admin", "inspector", "chief-of-staff", "liaison-officer"])
def test_the_summary_equals_one_pass_over_the_items(seeded, people, role):
    user = people[role]
    cache.clear()  # the national figures are cached for a minute
    assert dashboards.summary(user) == summary_in_one_pass(user)


@pytest.mark.parametrize("scope", ["all", "region", "force"])
def test_ageing_bodies_and_completion_equal_one_pass(seeded, scope):
    force_ids = {
        "all": None,
        "region": frozenset(
            Force.objects.filter(region__slug="south-west").values_list("id", flat=True)
        ),
        "force": frozenset(
            Force.objects.filter(slug="gloucestershire").values_list("id", flat=True)
        ),
    }[scope]
    assert [(b["label"], b["count"]) for b in dashboards.ageing(force_ids)] == ageing_in_one_pass(
        force_ids
    )
    assert sum(b["count"] for b in dashboards.ageing(force_ids)) > 0
    got = [
        (r["report"].pk, r["total"], r["done"]) for r in dashboards.completion_by_report(force_ids)
    ]
    assert got == completion_in_one_pass(force_ids) and got
    bodies = dashboards.national_bodies(force_ids)
    for body in bodies:
        items = TrackedItem.objects.filter(force__slug=body["slug"])
        assert body["open"] == items.filter(status__is_open=True).count()
        assert body["overdue"] == items.filter(overdue_q()).count()
    if scope == "all":
        assert any(b["open"] for b in bodies)
