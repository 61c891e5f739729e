"""Every timeline entry says what it is (`event`) and who may read it (`visibility`).

Existing entries are classified by the rules new ones follow (ADR 0008): status and
imported entries are public; progress updates, owner and target-date changes and
closure proposals, returns and withdrawals are internal. A liaison lead's comment written
before visibility existed was never chosen for the public, so it stays internal; an old
authorisation comment names its chief, so it stays internal too.
"""

from django.db import migrations, models

TRIGGER = "pgtrigger_timeline_append_only_0a6bb"

PREFIXES = [
    ("Closure proposed", "closure-proposed"),
    ("Authorised for closure", "closure-authorised"),
    ("Closure proposal returned", "closure-returned"),
    ("Closure proposal withdrawn", "closure-withdrawn"),
    ("Owner set to", "owner-changed"),
    ("Target date", "owner-changed"),
]


def classify(apps, schema_editor):
    Entry = apps.get_model("recommendations", "TimelineEntry")
    User = apps.get_model("auth", "User")
    officers = set(
        User.objects.filter(groups__name="Force liaison officer").values_list("pk", flat=True)
    )
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            f"ALTER TABLE recommendations_timelineentry DISABLE TRIGGER {TRIGGER}"
        )
    # Imported entries have no author (or name the administrator who imported a closure).
    Entry.objects.filter(author_name__startswith="Imported").update(
        event="imported", visibility="public"
    )
    Entry.objects.filter(kind="status", event="").update(
        event="status-changed", visibility="public"
    )
    Entry.objects.filter(kind="comment", author__isnull=True, event="").update(
        event="imported", visibility="public"
    )
    for prefix, event in PREFIXES:
        Entry.objects.filter(event="", text__startswith=prefix).update(
            event=event, visibility="internal"
        )
    Entry.objects.filter(event="", author__in=officers).update(
        event="progress-update", visibility="internal"
    )
    Entry.objects.filter(event="").update(event="comment", visibility="internal")
    if postgres:
        schema_editor.execute(f"ALTER TABLE recommendations_timelineentry ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("recommendations", "0010_proposal_verified_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="event",
            field=models.CharField(default="", max_length=30),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timelineentry",
            name="visibility",
            field=models.CharField(default="", max_length=10),
            preserve_default=False,
        ),
        migrations.RunPython(classify, migrations.RunPython.noop),
    ]
