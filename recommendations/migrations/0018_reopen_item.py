"""Reopening a closed item (issue 26): the `reopen_item` permission, granted here to
the chiefs of staff (for their region) and inspectors (every force), never to
administrators; and the timeline's `reopened` event."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GRANTS = {
    "Regional chief of staff": ["reopen_item"],
    "Inspector": ["reopen_item"],
}


def grant(apps, schema_editor):
    config = apps.get_app_config("recommendations")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = group_model.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="recommendations", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    permission_model = apps.get_model("auth", "Permission")
    permission_model.objects.filter(
        content_type__app_label="recommendations", codename="reopen_item"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0017_verbose_names"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="trackeditem",
            options={
                "ordering": ["last_entry_on", "id"],
                "permissions": [
                    (
                        "view_all_forces",
                        "See the items of every force (inspectors, administrators)",
                    ),
                    ("act_for_all_forces", "Take any action on any force's items (administrators)"),
                    (
                        "add_progress_update",
                        "Log progress updates, owner and target date for own force",
                    ),
                    ("comment_on_item", "Comment on items of assigned forces (liaison leads)"),
                    ("review_item", "Move items between review statuses (liaison leads)"),
                    (
                        "propose_closure",
                        "Propose closure of items of assigned forces (liaison leads)",
                    ),
                    (
                        "authorise_closure",
                        "Authorise or return closure in own region (chiefs of staff)",
                    ),
                    (
                        "publish_report",
                        "Publish an inspection report and its findings (administrators)",
                    ),
                    (
                        "import_portal_pages",
                        "Upload monitoring-portal pages (administrators, leads)",
                    ),
                    ("record_response", "Record the PCC's response to a report for own forces"),
                    (
                        "reopen_item",
                        "Reopen closed items (chiefs of staff for their region, inspectors)",
                    ),
                ],
            },
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="event",
            field=models.CharField(
                choices=[
                    ("status-changed", "Status changed"),
                    ("progress-update", "Progress update"),
                    ("comment", "Comment"),
                    ("owner-changed", "Owner changed"),
                    ("review-reason", "Reason for the review decision"),
                    ("no-further-action", "No further action needed"),
                    ("closure-proposed", "Closure proposed"),
                    ("closure-authorised", "Closure authorised"),
                    ("closure-returned", "Closure returned"),
                    ("closure-withdrawn", "Closure proposal withdrawn"),
                    ("imported", "Imported from the portal"),
                    ("reopened", "Reopened"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
