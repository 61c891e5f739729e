import datetime as dt

import pytest
from django.test import Client

from forces.users import user_set_role
from recommendations import services
from recommendations.models import Status, TimelineEntry, TrackedItem
from tests.factories import make_item

# The people of the permission tests. Gloucestershire and Devon and Cornwall are in the
# South West; West Midlands is in another region.
PEOPLE = {
    "liaison-officer": dict(role="liaison-officer", force_slugs=["gloucestershire"]),
    "liaison-lead": dict(role="liaison-lead", force_slugs=["gloucestershire"]),
    "chief-of-staff": dict(role="chief-of-staff", region_slug="south-west"),
    "inspector": dict(role="inspector"),
    "admin": dict(role="admin"),
}


@pytest.fixture
def make_user(db):
    def make(role: str, username: str | None = None, **scope):
        spec = {**PEOPLE.get(role, {"role": role}), **scope}
        user, _ = user_set_role(
            username=username or role,
            password="pw-for-tests-1",
            email=f"{username or role}@example.org",
            **spec,
        )
        return user

    return make


@pytest.fixture
def people(make_user):
    return {role: make_user(role) for role in PEOPLE}


@pytest.fixture
def client_as(people):
    def login(role_or_user) -> Client:
        user = people[role_or_user] if isinstance(role_or_user, str) else role_or_user
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def item(db) -> TrackedItem:
    return make_item(force="gloucestershire")


def progressed(item: TrackedItem, lead) -> TrackedItem:
    """Move an item to being-progressed as its liaison lead would."""
    return services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)


def latest_status(item: TrackedItem) -> str:
    entry = (
        TimelineEntry.objects.filter(item=item, kind="status")
        .order_by("-date", "-position")
        .first()
    )
    return entry.status_id


@pytest.fixture
def today() -> dt.date:
    from recommendations.selectors import today as today_fn

    return today_fn()
