"""The admin reads, the services write: what only the services change is read-only in
the admin for everyone, administrators included, and no history record can be reverted
to. Reference data and reports stay editable."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from forces.models import Force
from recommendations import services
from recommendations.models import (
    ClosureProposal,
    InspectionReport,
    PendingImport,
    Reminder,
    ReminderDelivery,
    Theme,
    TimelineEntry,
    TrackedItem,
)
from tests.conftest import progressed, sign_in
from tests.factories import UserFactory

SECRET_PAGE = "Page text that only its owner may read"


@pytest.fixture(params=["admin-role", "plain-superuser"])
def administrator(request, people):
    """The admin role's person (a superuser in the Administrator group), and a bare
    superuser with no group at all."""
    if request.param == "admin-role":
        user = people["admin"]
        assert user.is_superuser and user.groups.filter(name="Administrator").exists()
        return user
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def browser(administrator) -> Client:
    client = Client()
    sign_in(client, administrator)
    return client


@pytest.fixture
def objects(item, people):
    """One row of every read-only model, written as the portal writes them."""
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    proposal = services.closure_authorise(item=item, by=chief, note="Agreed")
    reminder = Reminder.objects.create(
        item=item, kind=Reminder.Kind.REMINDER, period_start=dt.date(2024, 1, 2)
    )
    delivery = ReminderDelivery.objects.create(reminder=reminder, user=lead)
    pending = PendingImport.objects.create(
        owner=lead,
        files=[["glos.txt", SECRET_PAGE]],
        report_slug="peel-2016",
        fingerprint="0" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return {
        TrackedItem: item,
        TimelineEntry: item.timeline.order_by("date", "position").first(),
        ClosureProposal: proposal,
        Reminder: reminder,
        ReminderDelivery: delivery,
        PendingImport: pending,
    }


READ_ONLY = [TrackedItem, TimelineEntry, ClosureProposal, Reminder, ReminderDelivery, PendingImport]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def snapshot(obj):
    return type(obj)._base_manager.filter(pk=obj.pk).values().get()


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_read_only_models_can_be_read_but_not_added_changed_or_deleted(
    browser, administrator, objects, model
):
    obj = objects[model]
    before = snapshot(obj)

    assert browser.get(url(model, "changelist")).status_code == 200
    change_page = browser.get(url(model, "change", obj.pk))
    assert change_page.status_code == 200
    html = change_page.content.decode()
    assert 'name="_save"' not in html  # shown read-only, with no save button

    assert browser.get(url(model, "add")).status_code == 403
    assert browser.post(url(model, "add"), {}).status_code == 403
    assert browser.post(url(model, "change", obj.pk), {"_save": "Save"}).status_code == 403
    assert browser.get(url(model, "delete", obj.pk)).status_code == 403
    assert browser.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    # The bulk action neither shows nor runs.
    changelist = browser.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert snapshot(obj) == before

    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = administrator
    assert "delete_selected" not in model_admin.get_actions(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert model_admin.has_view_permission(request, obj)


def test_the_tracked_item_page_has_no_input_for_the_liaison_lead(browser, objects, people):
    item = objects[TrackedItem]
    html = browser.get(url(TrackedItem, "change", item.pk)).content.decode()
    assert 'name="liaison_lead"' not in html and "<select" not in html
    response = browser.post(
        url(TrackedItem, "change", item.pk), {"liaison_lead": people["inspector"].pk}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.liaison_lead_id is None


def test_pending_imports_show_owner_state_and_dates_but_never_the_pages(browser, objects):
    pending = objects[PendingImport]
    listing = browser.get(url(PendingImport, "changelist")).content.decode()
    assert pending.owner.username in listing and "Previewed" in listing
    assert SECRET_PAGE not in listing
    page = browser.get(url(PendingImport, "change", pending.pk)).content.decode()
    assert SECRET_PAGE not in page


@pytest.mark.parametrize("model", [InspectionReport, Theme, Force], ids=lambda m: m.__name__)
def test_reports_and_reference_data_stay_editable(browser, model):
    assert browser.get(url(model, "add")).status_code == 200


def test_a_theme_can_still_be_added(browser):
    response = browser.post(url(Theme, "add"), {"name": "Vulnerability", "slug": "vulnerability"})
    assert response.status_code == 302
    assert Theme.objects.filter(slug="vulnerability").exists()


def test_tracked_item_history_is_shown_but_cannot_be_reverted_to(browser, objects):
    item = objects[TrackedItem]
    item.refresh_from_db()
    first = item.history.earliest("history_date")
    assert first.status_id == "awaiting-review" and item.status_id == "complete"
    records = item.history.count()

    assert browser.get(url(TrackedItem, "history", item.pk)).status_code == 200
    record_url = url(TrackedItem, "simple_history", item.pk, first.history_id)
    page = browser.get(record_url)
    assert page.status_code == 200
    assert "Revert" not in page.content.decode()

    response = browser.post(
        record_url,
        {"status": "awaiting-review", "owner_name": "Reverted", "_save": "Revert"},
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.status_id, item.owner_name) == ("complete", "")
    assert item.history.count() == records


def test_an_editable_models_history_cannot_be_reverted_to_either(browser):
    theme = Theme.objects.create(name="Vulnerability", slug="vulnerability")
    first = theme.history.get()
    theme.name = "Vulnerable people"
    theme.save()
    record_url = url(Theme, "simple_history", theme.pk, first.history_id)
    assert browser.get(record_url).status_code == 200
    response = browser.post(record_url, {"name": "Vulnerability", "slug": "vulnerability"})
    assert response.status_code == 403
    theme.refresh_from_db()
    assert theme.name == "Vulnerable people"
    assert theme.history.count() == 2
