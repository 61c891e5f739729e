import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from devdata.seeding import seed
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem

pytestmark = pytest.mark.django_db


def fingerprint():
    return [
        (
            i.finding.report.slug,
            i.finding.kind,
            i.finding.number,
            i.force.slug,
            i.status_id,
            i.last_entry_on,
            i.owner_name,
            i.target_date,
            i.portal_id,
            tuple(i.timeline.order_by("date", "position").values_list("date", "kind", "status_id")),
        )
        for i in TrackedItem.objects.select_related("finding__report", "force").order_by("id")
    ]


def test_seed_makes_realistic_consistent_items():
    out = io.StringIO()
    call_command("seed_demo", "--items", "400", "--seed", "5", stdout=out)
    assert "Seeded 400 items" in out.getvalue()
    items = TrackedItem.objects.all()
    assert items.count() == 400
    assert set(items.values_list("status_id", flat=True)) == {
        Status.AWAITING_REVIEW,
        Status.BEING_PROGRESSED,
        Status.COMPLETE,
        Status.NO_FURTHER_ACTION,
    }
    assert items.values("force").distinct().count() == 44
    for item in items.prefetch_related("timeline")[:400]:
        entries = sorted(item.timeline.all(), key=lambda e: (e.date, e.position))
        assert 1 <= len(entries) <= 21
        assert [e.date for e in entries] == sorted(e.date for e in entries)
        assert entries[0].status_id == Status.AWAITING_REVIEW
        assert item.status_id == [e for e in entries if e.kind == "status"][-1].status_id
        assert item.last_entry_on == entries[-1].date
    assert TrackedItem.history.count() == 400  # history written in bulk, one row each
    assert ClosureProposal.objects.filter(state="open").exists()
    assert TimelineEntry.objects.count() > 1000


def test_the_same_seed_gives_the_same_data_and_a_repeat_is_refused():
    with transaction.atomic():
        seed(items=150, seed=9)
        first = fingerprint()
        transaction.set_rollback(True)
    seed(items=150, seed=9)
    assert fingerprint() == first
    with pytest.raises(CommandError, match="seed 9 is already in this database"):
        call_command("seed_demo", "--items", "10", "--seed", "9", stdout=io.StringIO())


def test_seeded_items_have_their_sort_keys_and_search_documents():
    from django.db import connection

    from recommendations.services import search_refresh

    seed(items=60, seed=11)
    for item in TrackedItem.objects.select_related("finding__report", "force", "status"):
        assert item.force_name == item.force.name
        assert item.report_title == item.finding.report.title
        assert (item.finding_kind, item.finding_number) == (item.finding.kind, item.finding.number)
        assert item.status_order == item.status.order
    documents = dict(TrackedItem.objects.values_list("pk", "search"))
    assert all(documents.values())
    search_refresh(None)  # what the services would write
    assert dict(TrackedItem.objects.values_list("pk", "search")) == documents
    assert connection.vendor == "postgresql"
