# The item's last-change time, for the API's incremental sync (`updated_since`).

import django.utils.timezone
from django.db import migrations, models

# Existing items: their last history row (every change writes one), else their creation.
BACKFILL = """
UPDATE recommendations_trackeditem SET updated_at = coalesce(
    (SELECT max(h.history_date) FROM recommendations_historicaltrackeditem h
     WHERE h.id = recommendations_trackeditem.id),
    recommendations_trackeditem.created_at
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0012_timeline_event_visibility_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaltrackeditem",
            name="updated_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When anything about the item last changed (set by services.save_item), for the API's incremental sync (`updated_since`).",
            ),
        ),
        migrations.AddField(
            model_name="trackeditem",
            name="updated_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When anything about the item last changed (set by services.save_item), for the API's incremental sync (`updated_since`).",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="trackeditem",
            index=models.Index(fields=["updated_at", "id"], name="item_updated_at"),
        ),
    ]
