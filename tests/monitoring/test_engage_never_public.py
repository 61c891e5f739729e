"""Improvement plans are internal (issue 28): with plan actions, their updates and a lead's
review carrying unique markers, an anonymous crawl of the whole public site finds none of
them, while the site does say the force is in Engage, and since when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from engage import services
from engage.models import PlanActionUpdate
from tests.conftest import progressed
from tests.engage.conftest import put_in_engage
from tests.factories import make_item
from tests.monitoring.test_never_leaks import crawl


@pytest.mark.django_db
def test_the_public_site_shows_no_plan_but_says_who_is_in_engage(people, make_user):
    officer, lead = people["liaison-officer"], people["liaison-lead"]
    put_in_engage("gloucestershire", people["inspector"], on=dt.date(2026, 1, 12))
    item = make_item(force="gloucestershire", lead=lead)
    progressed(item, lead)
    action = services.plan_action_add(
        item=item,
        by=officer,
        title="Action PLAN-MARKER-1",
        owner="Owner PLAN-MARKER-2",
        due_on=dt.date(2026, 6, 30),
        description="Description PLAN-MARKER-3",
    )
    update = services.plan_update_add(
        action=action, by=officer, text="Update PLAN-MARKER-4", status="blocked"
    )
    services.plan_update_review(update=update, by=lead, comment="Review PLAN-MARKER-5")
    assert PlanActionUpdate.objects.filter(text__contains="PLAN-MARKER").exists()

    pages = crawl(Client())

    force_page = "/monitoring/gloucestershire/"
    assert force_page in pages
    assert "In Engage since 12 January 2026" in pages[force_page]
    assert "/monitoring/engage/" in pages  # linked from the force's page
    assert "Gloucestershire" in pages["/monitoring/engage/"]
    assert f"/monitoring/gloucestershire/{item.portal_id}/" in pages
    for address, body in pages.items():
        assert "PLAN-MARKER" not in body, address
        assert "Improvement plan" not in body, address
