"""An index for every sortable column of the list, each ending in the id that breaks
ties. The force's name, the report's title, the finding's number and kind and the
status's order are copied onto the item (filled here for existing items; then kept by
the services and recommendations.signals), so no sort joins."""

from django.db import migrations, models

FILL = """
UPDATE recommendations_trackeditem SET
    force_name = (
        SELECT force.name FROM forces_force AS force
        WHERE force.id = recommendations_trackeditem.force_id
    ),
    report_title = (
        SELECT report.title
        FROM recommendations_finding AS finding
        INNER JOIN recommendations_inspectionreport AS report ON report.id = finding.report_id
        WHERE finding.id = recommendations_trackeditem.finding_id
    ),
    finding_kind = (
        SELECT finding.kind FROM recommendations_finding AS finding
        WHERE finding.id = recommendations_trackeditem.finding_id
    ),
    finding_number = (
        SELECT finding.number FROM recommendations_finding AS finding
        WHERE finding.id = recommendations_trackeditem.finding_id
    ),
    status_order = (
        SELECT status."order" FROM recommendations_status AS status
        WHERE status.slug = recommendations_trackeditem.status_id
    )
"""


def fill(apps, schema_editor):
    """Plain SQL that PostgreSQL and SQLite both run."""
    schema_editor.execute(FILL, params=None)


def _index(fields, name):
    return migrations.AddIndex(
        model_name="trackeditem", index=models.Index(fields=fields, name=name)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forces", "0003_history_append_only"),
        ("recommendations", "0008_item_search"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="trackeditem", name="item_target_date"),
        migrations.AddField(
            model_name="trackeditem",
            name="finding_kind",
            field=models.CharField(blank=True, default="", editable=False, max_length=30),
        ),
        migrations.AddField(
            model_name="trackeditem",
            name="finding_number",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="trackeditem",
            name="force_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="trackeditem",
            name="report_title",
            field=models.CharField(blank=True, default="", editable=False, max_length=300),
        ),
        migrations.AddField(
            model_name="trackeditem",
            name="status_order",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, help_text="The status's order; set with the status."
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        _index(["target_date", "id"], "item_target_date"),
        _index(["portal_id", "id"], "item_sort_portal_id"),
        _index(["force_name", "id"], "item_sort_force"),
        _index(["report_title", "id"], "item_sort_report"),
        _index(["finding_number", "id"], "item_sort_reference"),
        _index(["finding_kind", "id"], "item_sort_type"),
        migrations.AddIndex(
            model_name="trackeditem",
            index=models.Index(
                fields=["status_order", "id"], include=["status_id"], name="item_sort_status"
            ),
        ),
        _index(["owner_name", "id"], "item_sort_owner"),
    ]
