"""PostgreSQL enforces the rules with django-pgtrigger triggers declared on the models
(see tracker/database_rules.py): timeline entries and every history table are
append-only, and a closure proposal is never deleted and is decided only once.

The timeline's hand-written trigger from 0002 is dropped first; pgtrigger's replaces it.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

# The hand-written trigger of 0002_reference_data_roles_append_only.
OLD_TRIGGER_DROP_SQL = """
DROP TRIGGER IF EXISTS timeline_entry_append_only ON recommendations_timelineentry;
DROP FUNCTION IF EXISTS timeline_entry_append_only();
"""
OLD_TRIGGER_CREATE_SQL = """
CREATE OR REPLACE FUNCTION timeline_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'timeline entries are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER timeline_entry_append_only
    BEFORE UPDATE OR DELETE ON recommendations_timelineentry
    FOR EACH ROW EXECUTE FUNCTION timeline_entry_append_only();
"""


def drop_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_TRIGGER_DROP_SQL, params=None)


def recreate_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_TRIGGER_CREATE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0006_withdraw_pending_imports"),
    ]

    operations = [
        migrations.RunPython(drop_old_trigger, recreate_old_trigger, elidable=False),
        pgtrigger.migrations.AddTrigger(
            model_name="closureproposal",
            trigger=pgtrigger.compiler.Trigger(
                name="proposal_never_deleted",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: closure proposals are never deleted', TG_OP, TG_TABLE_NAME;",
                    hash="f777e683ef66bad12149fcd3b41f5ff0ca4ada18",
                    operation="DELETE",
                    pgid="pgtrigger_proposal_never_deleted_73ec0",
                    table="recommendations_closureproposal",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="closureproposal",
            trigger=pgtrigger.compiler.Trigger(
                name="proposal_decided_once",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (NOT (OLD."state" = \'open\' AND NOT (NEW."state" = \'open\')) OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."item_id" IS DISTINCT FROM (NEW."item_id") OR OLD."proposed_by_id" IS DISTINCT FROM (NEW."proposed_by_id") OR OLD."reason" IS DISTINCT FROM (NEW."reason") OR OLD."proposed_at" IS DISTINCT FROM (NEW."proposed_at"))',
                    func="RAISE EXCEPTION '% refused on %: a closure proposal is decided once, from open, and only its decision', TG_OP, TG_TABLE_NAME;",
                    hash="c4d19ff0585d711aa8b6af71a781eaae31fd8bf3",
                    operation="UPDATE",
                    pgid="pgtrigger_proposal_decided_once_91808",
                    table="recommendations_closureproposal",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicalclosureproposal",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="675608ca9822697d5105d0b4830c72b8436ba4e3",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_af38c",
                    table="recommendations_historicalclosureproposal",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicalfinding",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="1f52e9376c42a034bfd10edd9439d75dd468be9d",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_aaff4",
                    table="recommendations_historicalfinding",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicalinspectionreport",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="4257bca39ade7b5a61a62d15e042a64d66f8b344",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_8ef8e",
                    table="recommendations_historicalinspectionreport",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicalstatus",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="a39d19b990d997f48c951750b7f58d38dac2584b",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_c77ed",
                    table="recommendations_historicalstatus",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicaltheme",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="22bb9dba871c32e639fe2ce0697598a72b038645",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_624a4",
                    table="recommendations_historicaltheme",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicaltrackeditem",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="39680d9fb7065e8fb4dfb7d33a399ae010872f6d",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_d4fdf",
                    table="recommendations_historicaltrackeditem",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historicaltrackeditem_themes",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: history is append-only', TG_OP, TG_TABLE_NAME;",
                    hash="1ea62ca41f490b1f3f1f7dd61822c01a057b089c",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_c7090",
                    table="recommendations_historicaltrackeditem_themes",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="timelineentry",
            trigger=pgtrigger.compiler.Trigger(
                name="timeline_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION '% refused on %: timeline entries are append-only', TG_OP, TG_TABLE_NAME;",
                    hash="1f50163093395df2b9dc1bec0133c2c80325a540",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_timeline_append_only_0a6bb",
                    table="recommendations_timelineentry",
                    when="BEFORE",
                ),
            ),
        ),
    ]
