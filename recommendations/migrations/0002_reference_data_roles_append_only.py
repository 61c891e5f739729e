"""Loads the reference data, creates the role groups with their permissions, and makes
the timeline append-only in PostgreSQL.

The role table is frozen here, as a migration must be; `recommendations.policy`
documents what each permission allows, and tests check the two agree.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from forces.reference import load_reference_data

ROLE_PERMISSIONS = {
    "Force liaison officer": ["add_progress_update"],
    "Force liaison lead": [
        "comment_on_item",
        "review_item",
        "propose_closure",
        "import_portal_pages",
    ],
    "Regional chief of staff": ["authorise_closure"],
    "Inspector": ["view_all_forces"],
    "Administrator": [
        "view_all_forces",
        "act_for_all_forces",
        "add_progress_update",
        "comment_on_item",
        "review_item",
        "propose_closure",
        "authorise_closure",
        "publish_report",
        "import_portal_pages",
    ],
}

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION timeline_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'timeline entries are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER timeline_entry_append_only
    BEFORE UPDATE OR DELETE ON recommendations_timelineentry
    FOR EACH ROW EXECUTE FUNCTION timeline_entry_append_only();
"""
APPEND_ONLY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS timeline_entry_append_only ON recommendations_timelineentry;
DROP FUNCTION IF EXISTS timeline_entry_append_only();
"""


def load_reference(apps, schema_editor):
    load_reference_data(apps)


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        perms = permission_model.objects.filter(
            content_type__app_label="recommendations", codename__in=codenames
        )
        group.permissions.set(perms)


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def append_only_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("forces", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_reference, migrations.RunPython.noop),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(append_only, append_only_reverse),
    ]
