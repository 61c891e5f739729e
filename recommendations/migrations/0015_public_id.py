"""Every tracked item has a public ID (`portal_id`), given when it is created.

Imported items keep the monitoring portal's ID. On PostgreSQL new ones take the next
number from the sequence `recommendations_portal_id_seq`, which starts above the highest
ID stored (setval from max(portal_id)), so a new item's link never collides with an
imported one. A BEFORE INSERT trigger fills the ID of a row inserted without one (bulk
inserts) and moves the sequence past an explicit ID above it (an imported page newer than
the sequence): `TrackedItem.Meta.triggers` (django-pgtrigger). `TrackedItem.save()` takes
the number itself so the instance knows it; on SQLite (`make run`) it uses
max(portal_id) + 1 inside the creating transaction instead.

Items stored without a public ID get one here, in id order. The check constraint
`item_has_public_id` then refuses an item without one (the history table keeps its
nullable column: history rows are append-only and old ones may have none).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

SEQUENCE = "recommendations_portal_id_seq"


def give_every_item_a_public_id(apps, schema_editor):
    Item = apps.get_model("recommendations", "TrackedItem")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} MINVALUE 1")
        schema_editor.execute(
            f"SELECT setval('{SEQUENCE}', "  # noqa: S608  # our own names
            "(SELECT coalesce(max(portal_id), 0) + 1 FROM recommendations_trackeditem), false)"
        )
        schema_editor.execute(
            f"UPDATE recommendations_trackeditem SET portal_id = nextval('{SEQUENCE}') "  # noqa: S608
            "WHERE id IN (SELECT id FROM recommendations_trackeditem "
            "WHERE portal_id IS NULL ORDER BY id)"
        )
        return
    highest = Item.objects.aggregate(m=models.Max("portal_id"))["m"] or 0
    for pk in (
        Item.objects.filter(portal_id__isnull=True).order_by("pk").values_list("pk", flat=True)
    ):
        highest += 1
        Item.objects.filter(pk=pk).update(portal_id=highest)


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0014_pcc_response"),
    ]

    operations = [
        migrations.RunPython(give_every_item_a_public_id, drop_sequence),
        migrations.AlterField(
            model_name="trackeditem",
            name="portal_id",
            field=models.PositiveIntegerField(
                blank=True,
                null=True,
                help_text="The public ID on the monitoring portal: the portal's own for "
                "imported items, else given at creation (next_public_id); never empty once saved.",
            ),
        ),
        migrations.AlterField(
            model_name="historicaltrackeditem",
            name="portal_id",
            field=models.PositiveIntegerField(
                blank=True,
                null=True,
                help_text="The public ID on the monitoring portal: the portal's own for "
                "imported items, else given at creation (next_public_id); never empty once saved.",
            ),
        ),
        migrations.AddConstraint(
            model_name="trackeditem",
            constraint=models.CheckConstraint(
                condition=models.Q(portal_id__isnull=False), name="item_has_public_id"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="trackeditem",
            trigger=pgtrigger.compiler.Trigger(
                name="item_public_id",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF NEW.portal_id IS NULL AND TG_OP = 'INSERT' THEN NEW.portal_id := nextval('recommendations_portal_id_seq'); ELSIF NEW.portal_id > (SELECT last_value FROM recommendations_portal_id_seq) THEN PERFORM setval('recommendations_portal_id_seq', NEW.portal_id); END IF; RETURN NEW;",  # noqa: E501
                    hash="52fb98966282ea0fe0d8796c9f87935784ecafc3",
                    operation='INSERT OR UPDATE OF "portal_id"',
                    pgid="pgtrigger_item_public_id_67fe3",
                    table="recommendations_trackeditem",
                    when="BEFORE",
                ),
            ),
        ),
    ]
