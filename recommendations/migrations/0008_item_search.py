"""One maintained search document per item, for the list's `q` filter.

`TrackedItem.search` holds the finding's texts and reference and the item's comments;
the services keep it (services.common.search_refresh). On PostgreSQL this fills it for
the existing items, indexes it with GIN, and drops 0005's expression indexes over
findings and timeline entries, which the filter no longer uses. The SQLite demo keeps
the column empty and searches substrings.
"""

import django.contrib.postgres.search
from django.db import migrations

# services.common.SEARCH_REFRESH_SQL as it was when this migration was written.
FILL = """
UPDATE recommendations_trackeditem AS item
SET search = to_tsvector(
    'english'::regconfig,
    concat_ws(
        ' ',
        finding.cause_of_concern,
        finding.text,
        CASE finding.kind
            WHEN 'cause-of-concern' THEN 'Cause of concern'
            WHEN 'recommendation' THEN 'Recommendation'
            WHEN 'area-for-improvement' THEN 'Area for improvement'
        END,
        finding.number,
        (
            SELECT string_agg(entry.text, ' ' ORDER BY entry.date, entry.position)
            FROM recommendations_timelineentry AS entry
            WHERE entry.item_id = item.id AND entry.text <> ''
        )
    )
)
FROM recommendations_finding AS finding
WHERE finding.id = item.finding_id
"""
FORWARD = [
    FILL,
    "CREATE INDEX IF NOT EXISTS item_search ON recommendations_trackeditem USING gin (search)",
    "DROP INDEX IF EXISTS finding_search",
    "DROP INDEX IF EXISTS timeline_entry_search",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS finding_search ON recommendations_finding USING gin "
    "(to_tsvector('english'::regconfig, COALESCE(text, '') || ' ' || "
    "COALESCE(cause_of_concern, '')))",
    "CREATE INDEX IF NOT EXISTS timeline_entry_search ON recommendations_timelineentry "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))",
    "DROP INDEX IF EXISTS item_search",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0007_database_rules")]

    operations = [
        migrations.AddField(
            model_name="trackeditem",
            name="search",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False,
                help_text="The finding's texts and reference and the item's comments, for `q` "
                "(PostgreSQL only: GIN index in migration 0008; the SQLite demo searches "
                "substrings).",
                null=True,
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
