"""Indexes for the list's text filters, on PostgreSQL only (the SQLite demo scans).

The expressions match, character for character, what `recommendations.filters` makes
Django write, so the planner can use them: full-text search over findings and comments,
and a trigram index for the owner filter's case-insensitive substring match.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS finding_search ON recommendations_finding USING gin "
    "(to_tsvector('english'::regconfig, COALESCE(text, '') || ' ' || "
    "COALESCE(cause_of_concern, '')))",
    "CREATE INDEX IF NOT EXISTS timeline_entry_search ON recommendations_timelineentry "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))",
    "CREATE INDEX IF NOT EXISTS item_owner_trigram ON recommendations_trackeditem "
    "USING gin (UPPER(owner_name::text) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS item_owner_trigram",
    "DROP INDEX IF EXISTS timeline_entry_search",
    "DROP INDEX IF EXISTS finding_search",
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
    dependencies = [("recommendations", "0004_reminder_delivery")]

    operations = [migrations.RunPython(forward, backward)]
