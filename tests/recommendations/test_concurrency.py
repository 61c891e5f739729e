"""Nothing lost under concurrency, on real PostgreSQL with real threads."""

import threading

import pytest
from django.db import close_old_connections, connection

from recommendations import errors, services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_concurrently(n, work):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # collected and asserted on by the caller
            results[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def test_twenty_concurrent_authorisations_one_succeeds(people):
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    item = make_item(force="gloucestershire")
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    history_before = item.history.count()

    def authorise(_):
        fresh = TrackedItem.objects.get(pk=item.pk)
        return services.closure_authorise(item=fresh, by=chief)

    results = run_concurrently(20, authorise)
    successes = [r for r in results if isinstance(r, ClosureProposal)]
    refused = [r for r in results if isinstance(r, errors.AlreadyAuthorised)]
    assert len(successes) == 1, results
    assert len(refused) == 19, results
    assert refused[0].message == "This closure has already been authorised."
    assert TimelineEntry.objects.filter(item=item, status_id=Status.COMPLETE).count() == 1
    assert item.history.count() == history_before + 1


def test_fifty_concurrent_comments_all_kept_in_a_stable_order(people):
    lead = people["liaison-lead"]
    item = make_item(force="gloucestershire")

    def comment(i):
        return services.comment_add(
            visibility="internal",
            item=TrackedItem.objects.get(pk=item.pk),
            by=lead,
            text=f"Comment {i}",
        )

    results = run_concurrently(50, comment)
    assert all(isinstance(r, TimelineEntry) for r in results), results
    entries = list(
        TimelineEntry.objects.filter(item=item, kind="comment").order_by("date", "position")
    )
    assert len(entries) == 50
    positions = [e.position for e in entries]
    assert positions == sorted(positions) and len(set(positions)) == 50
    again = list(
        TimelineEntry.objects.filter(item=item, kind="comment").order_by("date", "position")
    )
    assert [e.pk for e in again] == [e.pk for e in entries]


def test_two_owner_edits_from_one_loaded_form(people):
    officer = people["liaison-officer"]
    item = make_item(force="gloucestershire")
    loaded = item.version

    def edit(i):
        return services.owner_set(
            item=TrackedItem.objects.get(pk=item.pk),
            by=officer,
            version=loaded,
            owner_name=f"Owner {i}",
            owner_rank="",
            owner_department="",
            target_date=None,
        )

    results = run_concurrently(2, edit)
    assert sum(isinstance(r, TrackedItem) for r in results) == 1, results
    assert sum(isinstance(r, errors.ItemChanged) for r in results) == 1, results
