"""PostgreSQL itself refuses what only the services may do, or nobody: changing or
deleting a timeline entry or any history row, deleting a closure proposal, and changing
a proposal other than by deciding it once (tracker/database_rules.py, with
django-pgtrigger). Each refusal is tried through the ORM and in raw SQL, in a savepoint,
and the row is checked unchanged afterwards."""

import pgtrigger
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import InternalError
from django.utils import timezone

from recommendations import services
from recommendations.models import ClosureProposal, Theme, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tracker.database_rules import HISTORY_TRIGGER, history_models


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's (SQLite has none)")


def snapshot(model, pk):
    return model._base_manager.filter(pk=pk).values().get()


def assert_refused(model, pk, *, table, match):
    """UPDATE and DELETE of the row are refused, through the ORM and in raw SQL."""
    before = snapshot(model, pk)
    pk_column = model._meta.pk.column
    attempts = [
        lambda: model._base_manager.filter(pk=pk).update(**{model._meta.pk.attname: pk}),
        lambda: model._base_manager.filter(pk=pk).delete(),
        lambda: raw(f'UPDATE {table} SET "{pk_column}" = "{pk_column}" WHERE "{pk_column}" = %s'),
        lambda: raw(f'DELETE FROM {table} WHERE "{pk_column}" = %s'),
    ]

    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])

    for attempt in attempts:
        with pytest.raises(InternalError, match=match), transaction.atomic():
            attempt()
    assert snapshot(model, pk) == before


def test_every_history_model_has_the_append_only_trigger_installed():
    models = history_models()
    labels = {m._meta.label for m in models}
    assert {
        "forces.HistoricalRegion",
        "forces.HistoricalForce",
        "forces.HistoricalScope",
        "forces.HistoricalScope_forces",
        "recommendations.HistoricalTrackedItem",
        "recommendations.HistoricalTrackedItem_themes",
        "recommendations.HistoricalClosureProposal",
    } <= labels
    for model in models:
        (trigger,) = [t for t in model._meta.triggers if t.name == HISTORY_TRIGGER]
        assert trigger.get_installation_status(model) == (pgtrigger.core.INSTALLED, True)
    for model, name in [
        (TimelineEntry, "timeline_append_only"),
        (ClosureProposal, "proposal_never_deleted"),
        (ClosureProposal, "proposal_decided_once"),
    ]:
        (trigger,) = [t for t in model._meta.triggers if t.name == name]
        assert trigger.get_installation_status(model) == (pgtrigger.core.INSTALLED, True)


def test_the_old_hand_written_timeline_trigger_is_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert "timeline_entry_append_only" not in names
    # Every rule is pgtrigger's, except the counts table's own triggers (migration 0022,
    # ADR 0019), written by hand because the table is no Django model.
    hand_written = {n for n in names if n.startswith("itemcount_")}
    assert hand_written == {
        "itemcount_insert",
        "itemcount_update",
        "itemcount_delete",
        "itemcount_truncate",
        "itemcount_finding_report",
    }
    assert all(name.startswith("pgtrigger_") for name in names - hand_written)


def test_a_history_row_cannot_be_changed_or_deleted(item, people):
    progressed(item, people["liaison-lead"])
    record = item.history.earliest("history_date")
    assert_refused(
        TrackedItem.history.model,
        record.pk,
        table="recommendations_historicaltrackeditem",
        match="history is append-only",
    )
    history = TrackedItem.history.model
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        history.objects.filter(pk=record.pk).update(history_change_reason="rewritten")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        record.history_user = people["admin"]
        record.save()
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TrackedItem.history.all().delete()


def test_a_many_to_many_history_row_cannot_be_changed_or_deleted(item):
    theme = Theme.objects.create(name="Vulnerability", slug="vulnerability")
    item.themes.add(theme)
    through = apps.get_model("recommendations", "HistoricalTrackedItem_themes")
    row = through.objects.filter(history__id=item.pk).latest("pk")
    assert_refused(
        through,
        row.pk,
        table="recommendations_historicaltrackeditem_themes",
        match="history is append-only",
    )


def test_a_timeline_entry_cannot_be_changed_or_deleted(item):
    entry = item.timeline.get()
    assert_refused(
        TimelineEntry,
        entry.pk,
        table="recommendations_timelineentry",
        match="timeline entries are append-only",
    )
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).update(text="changed")


@pytest.fixture
def proposal(item, people) -> ClosureProposal:
    progressed(item, people["liaison-lead"])
    return services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )


def test_an_open_proposal_is_decided_once(item, people, proposal):
    services.closure_authorise(item=item, by=people["chief-of-staff"], note="Agreed")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by) == ("authorised", people["chief-of-staff"])
    assert proposal.history.count() == 2  # its history row was written too
    before = snapshot(ClosureProposal, proposal.pk)

    with pytest.raises(InternalError, match="decided once"), transaction.atomic():
        proposal.decision_reason = "Changed my mind"
        proposal.save()
    with pytest.raises(InternalError, match="decided once"), transaction.atomic():
        ClosureProposal.objects.filter(pk=proposal.pk).update(state="returned")
    with pytest.raises(InternalError, match="decided once"), transaction.atomic():
        ClosureProposal.objects.filter(pk=proposal.pk).update(state="open", decided_by=None)
    with pytest.raises(InternalError, match="never deleted"), transaction.atomic():
        ClosureProposal.objects.filter(pk=proposal.pk).delete()
    for sql in [
        "UPDATE recommendations_closureproposal SET state = 'returned' WHERE id = %s",
        "UPDATE recommendations_closureproposal SET reason = 'Other' WHERE id = %s",
        "DELETE FROM recommendations_closureproposal WHERE id = %s",
    ]:
        with (
            pytest.raises(InternalError, match="refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [proposal.pk])
    assert snapshot(ClosureProposal, proposal.pk) == before


def test_an_open_proposal_cannot_be_deleted_or_changed_without_a_decision(proposal):
    before = snapshot(ClosureProposal, proposal.pk)
    with pytest.raises(InternalError, match="never deleted"), transaction.atomic():
        ClosureProposal.objects.filter(pk=proposal.pk).delete()
    with (
        pytest.raises(InternalError, match="never deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM recommendations_closureproposal WHERE id = %s", [proposal.pk])
    # Still open: its reason or proposer cannot be rewritten.
    with pytest.raises(InternalError, match="decided once"), transaction.atomic():
        ClosureProposal.objects.filter(pk=proposal.pk).update(reason="Rewritten")
    assert snapshot(ClosureProposal, proposal.pk) == before


def test_deciding_changes_only_the_decision(people, proposal):
    chief = people["chief-of-staff"]
    before = snapshot(ClosureProposal, proposal.pk)
    for change in [
        {"reason": "Rewritten"},
        {"proposed_by": chief},
        {"proposed_at": timezone.now()},
    ]:
        with pytest.raises(InternalError, match="decided once"), transaction.atomic():
            ClosureProposal.objects.filter(pk=proposal.pk).update(
                state="authorised", decided_by=chief, decided_at=timezone.now(), **change
            )
    assert snapshot(ClosureProposal, proposal.pk) == before


def test_the_proposer_can_withdraw_an_open_proposal(people, proposal):
    """Withdrawing is a decision too: open to withdrawn, by the proposer."""
    lead = people["liaison-lead"]
    ClosureProposal.objects.filter(pk=proposal.pk).update(
        state="withdrawn", decided_by=lead, decision_reason="Not yet", decided_at=timezone.now()
    )
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by) == ("withdrawn", lead)
    with pytest.raises(InternalError, match="decided once"), transaction.atomic():
        ClosureProposal.objects.filter(pk=proposal.pk).update(state="authorised")


def test_truncate_still_empties_the_tables(item):
    """The test database is emptied with TRUNCATE, which no row trigger refuses."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
            cursor.execute(
                "TRUNCATE recommendations_timelineentry, recommendations_timelineentrywelsh,"
                " recommendations_historicaltrackeditem,"
                " recommendations_historicaltrackeditem_themes, evidence_evidence,"
                " evidence_historicalevidence"
            )
        assert not TimelineEntry.objects.exists()
        assert not TrackedItem.history.exists()
        transaction.set_rollback(True)
    assert TimelineEntry.objects.filter(item=item).exists()
