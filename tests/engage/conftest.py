import datetime as dt

import pytest

from engage import services
from forces.models import Force
from recommendations import services as core
from recommendations.models import Finding, Status
from tests.factories import FindingFactory, make_item

PLAN_DATE = dt.date(2026, 1, 12)


@pytest.fixture
def inspector(make_user):
    return make_user("inspector")


def put_in_engage(force_slug: str, by, on: dt.date = PLAN_DATE):
    return services.stage_set(
        force=Force.objects.get(slug=force_slug),
        stage="engage",
        entered_on=on,
        reason="Serious concerns about call handling.",
        meeting="PPOG 12 January 2026",
        by=by,
    )


def concern_item(force_slug: str = "gloucestershire", *, lead=None, accelerated: bool = False):
    """A cause of concern tracked for the force, being progressed when `lead` is given."""
    finding = FindingFactory.create(
        kind=Finding.Kind.CAUSE_OF_CONCERN,
        cause_of_concern="The force does not identify vulnerable callers.",
        accelerated=accelerated,
        letter_date=dt.date(2025, 11, 3) if accelerated else None,
    )
    item = make_item(force=force_slug, finding=finding)
    if lead is not None:
        core.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
        item.refresh_from_db()
    return item


def add_action(item, by, *, title="Train 40 call handlers", due=dt.date(2026, 6, 30)):
    return services.plan_action_add(
        item=item, by=by, title=title, owner="Ch Supt Amira Khan", due_on=due
    )
