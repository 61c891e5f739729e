import datetime as dt
from typing import Any

import pytest
from django.test import Client

from forces.users import user_set_role
from recommendations import services
from recommendations.models import Status, TimelineEntry, TrackedItem
from tests.factories import make_item

# The people of the permission tests. Gloucestershire and Devon and Cornwall are in the
# South West; West Midlands is in another region.
PEOPLE: dict[str, dict[str, Any]] = {
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


def sign_in(client: Client, user) -> Client:
    """Sign a test client in with two-factor satisfied, as after entering a code: the
    person gets an authenticator-app device and the session records it, as django-otp's
    login does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Tests", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def stepped_up(client: Client) -> Client:
    """The session has just confirmed its password again (tracker.step_up), as before
    resetting someone's second factor."""
    import time

    from tracker.step_up import STEP_UP_KEY

    session = client.session
    session[STEP_UP_KEY] = time.time()
    session.save()
    return client


@pytest.fixture
def client_as(people):
    def login(role_or_user) -> Client:
        user = people[role_or_user] if isinstance(role_or_user, str) else role_or_user
        return sign_in(Client(), user)

    return login


@pytest.fixture
def item(db) -> TrackedItem:
    return make_item(force="gloucestershire")


def progressed(item: TrackedItem, lead) -> TrackedItem:
    """Move an item to being-progressed as its liaison lead would."""
    return services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)


def latest_status(item: TrackedItem) -> str | None:
    entry = (
        TimelineEntry.objects.filter(item=item, kind="status")
        .order_by("-date", "-position")
        .first()
    )
    assert entry is not None
    return entry.status_id


@pytest.fixture
def today() -> dt.date:
    from recommendations.selectors import today as today_fn

    return today_fn()


@pytest.fixture(autouse=True, scope="session")
def jinja2_context_in_responses():
    """The pages are Jinja2, whose backend does not send the template_rendered signal that
    fills the test client's response.context (Django ticket #24622): send it here."""
    from django.template.backends.jinja2 import Template
    from django.test.signals import template_rendered

    render = Template.render

    def render_and_signal(self, context=None, request=None):
        template_rendered.send(sender=self, template=self, context=context or {})
        return render(self, context, request)

    Template.render = render_and_signal
    yield
    Template.render = render


@pytest.fixture(autouse=True)
def empty_public_cache():
    """The public portal's page cache (monitoring.cache) starts empty in every test:
    a test's rolled-back data never answers another test's request."""
    from django.core.cache import caches

    caches["public"].clear()
    yield
