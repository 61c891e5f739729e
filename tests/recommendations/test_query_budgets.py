"""Query budgets of the item's actions, posted through their pages (issue 24).

What is counted: every statement the POST sends to the database, from reading the
session to the COMMIT, and the work done once the change is committed (on-commit
callbacks: the public cache's version, the notification's Celery send). The tests run
in real transactions (`transaction=True`), so no SAVEPOINT of a test's own transaction
is counted and the on-commit work runs at the COMMIT, inside the measured block.

`statements` leaves out BEGIN and COMMIT, the transaction's own brackets (which a
test inside a transaction would see as SAVEPOINT and RELEASE): the budgets count what
reads and writes. Each test also keeps the whole count, brackets included, in view.

The person has opened the page before posting (as people do), so the POST does not
carry a first request's session writes.

The guards (proposing, a progress update, a comment) are at what they cost now; an
action that can carry evidence files reads the item twice more (the evidence gate's
read, then the page's own) and the person's scope in three queries: they go down by
7 when the pages read `selectors.item_for_action` on POST and the scope is one query.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services, tasks
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BRACKETS = ("BEGIN", "COMMIT")


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, tuple[Any, ...]]]:
    """The Celery tasks sent (not run): the budgets count the send, not the email."""
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for name in ("notify_entry", "notify_proposal"):
        task = getattr(tasks, name)
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args=(), name=name, **_: calls.append((name, tuple(args))),
        )
    return calls


def post(client: Client, item: TrackedItem, action: str, data: dict[str, str]) -> list[str]:
    """Open the action's page, then post it; the statements the POST sent (the page was
    read before the measurement starts)."""
    url = reverse("recommendations:action", args=[item.pk, action])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return [q["sql"] for q in queries.captured_queries]


def statements(sql: list[str]) -> list[str]:
    return [s for s in sql if s not in BRACKETS]


def listed(sql: list[str]) -> str:
    return "\n".join(f"{n:2} {s[:160]}" for n, s in enumerate(sql, 1))


@pytest.fixture
def proposed(people) -> TrackedItem:
    item = make_item(force="gloucestershire")
    progressed(item, people["liaison-lead"])
    services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )
    return item


def test_authorising_a_closure_through_its_page(client_as, proposed, sent):
    """At most 15: the session, the user, their second factor, their permissions (2),
    their scope (one query), the item (one query: `selectors.item_for_action`); then,
    under the lock, the item with its open proposal (one statement), the proposal's
    decision and its history row, both timeline entries (one INSERT, positions
    computed by it), the evidence's retention date, the item's UPDATE (status, status
    order and search document in one statement), its history row and its themes for
    that row. The notification's send and the public cache's version follow the
    COMMIT and read nothing."""
    sql = post(client_as("chief-of-staff"), proposed, "authorise-closure", {})
    proposed.refresh_from_db()
    assert proposed.status_id == Status.COMPLETE
    assert ClosureProposal.objects.get(item=proposed).state == "authorised"
    assert sent == [("notify_proposal", (ClosureProposal.objects.get(item=proposed).pk,))]
    assert len(statements(sql)) <= 15, listed(sql)
    assert len(sql) <= 17, listed(sql)


def test_proposing_closure_through_its_page(client_as, people, sent):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    sql = post(
        client_as("liaison-lead"),
        item,
        "propose-closure",
        {"reason": "Met", "verified_by": "documents"},
    )
    assert ClosureProposal.objects.get(item=item).state == "open"
    assert [name for name, _ in sent] == ["notify_proposal"]
    assert len(statements(sql)) <= 17, listed(sql)


def test_a_progress_update_through_its_page(client_as, people, sent):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    sql = post(client_as("liaison-officer"), item, "progress-update", {"text": "Trained 40."})
    assert TimelineEntry.objects.filter(item=item, text="Trained 40.").exists()
    assert [name for name, _ in sent] == ["notify_entry"]
    assert len(statements(sql)) <= 15, listed(sql)


def test_a_public_comment_through_its_page(client_as, people, sent):
    """A public comment also bumps the public cache's version once committed (no query)."""
    from monitoring.cache import public_version

    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    before = public_version()
    sql = post(
        client_as("liaison-lead"), item, "comment", {"text": "Seen.", "visibility": "public"}
    )
    assert public_version() != before
    assert [name for name, _ in sent] == ["notify_entry"]
    assert len(statements(sql)) <= 15, listed(sql)
