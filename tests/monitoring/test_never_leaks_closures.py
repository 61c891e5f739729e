"""Closures that stick stay internal where they should (issue 26): the crawler of the
whole public site finds no internal reason of a reopening, a target-date move, a change
made after a proposal, a re-check confirmation or an authorisation's unpublished note,
while the reopening's public reason is on its item page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from recommendations import services
from recommendations.models import TrackedItem
from recommendations.policy import Action
from tests.conftest import progressed
from tests.factories import make_item
from tests.monitoring.test_never_leaks import crawl


def fresh(item: TrackedItem) -> TrackedItem:
    return TrackedItem.objects.get(pk=item.pk)


@pytest.mark.django_db
def test_reopen_moves_rechecks_and_changes_after_proposal_stay_internal(people):
    lead = people["liaison-lead"]
    officer = people["liaison-officer"]
    chief = people["chief-of-staff"]
    today = dt.date.today()
    moved = make_item(force="gloucestershire", lead=lead)
    progressed(moved, lead)
    for day, reason in (
        (today + dt.timedelta(days=30), ""),
        (today + dt.timedelta(days=200), "MOVE-MARKER"),
    ):
        services.owner_set(
            item=fresh(moved),
            by=officer,
            version=fresh(moved).version,
            owner_name="",
            owner_rank="",
            owner_department="",
            target_date=day,
            reason=reason,
        )
    assert fresh(moved).target_date_moves == 1

    closed = make_item(force="gloucestershire", lead=lead)
    progressed(closed, lead)
    services.closure_propose(item=fresh(closed), by=lead, reason="Met", verified_by="documents")
    services.comment_add(
        item=fresh(closed), by=officer, text="Late CHANGE-MARKER", action=Action.PROGRESS_UPDATE
    )
    services.closure_authorise(
        item=fresh(closed),
        by=chief,
        note="Unpublished NOTE-MARKER",
        changes_read=True,
        recheck_on=today + dt.timedelta(days=1),
    )
    TrackedItem.objects.filter(pk=closed.pk).update(recheck_on=today)
    services.recheck_confirm(item=fresh(closed), by=lead, note="Checked RECHECK-MARKER")

    reopened = make_item(force="gloucestershire", lead=lead)
    progressed(reopened, lead)
    services.closure_propose(item=fresh(reopened), by=lead, reason="Met", verified_by="documents")
    services.closure_authorise(item=fresh(reopened), by=chief)
    services.item_reopen(
        item=fresh(reopened),
        by=chief,
        reason="Internal REOPEN-MARKER",
        public_reason="Reopened PUBLIC-REOPEN",
    )

    pages = crawl(Client())
    page = f"/monitoring/gloucestershire/{reopened.portal_id}/"
    assert page in pages and "PUBLIC-REOPEN" in pages[page]
    assert f"/monitoring/gloucestershire/{moved.portal_id}/" in pages
    assert f"/monitoring/gloucestershire/{closed.portal_id}/" in pages
    for address, body in pages.items():
        for marker in (
            "MOVE-MARKER",
            "CHANGE-MARKER",
            "NOTE-MARKER",
            "RECHECK-MARKER",
            "REOPEN-MARKER",
        ):
            assert marker not in body, (address, marker)
