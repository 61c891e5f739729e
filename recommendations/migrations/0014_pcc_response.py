"""The police and crime commissioner's response (the `responses` app): reports say
whether the forces' PCCs must respond (force reports always, a check constraint), and
liaison officers, leads and administrators may record responses (`record_response`,
granted here to their groups: migration 0002's frozen role table plus this)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GRANTS = {
    "Force liaison officer": ["record_response"],
    "Force liaison lead": ["record_response"],
    "Administrator": ["record_response"],
}

PERMISSIONS = [
    ("view_all_forces", "See the items of every force (inspectors, administrators)"),
    ("act_for_all_forces", "Take any action on any force's items (administrators)"),
    ("add_progress_update", "Log progress updates, owner and target date for own force"),
    ("comment_on_item", "Comment on items of assigned forces (liaison leads)"),
    ("review_item", "Move items between review statuses (liaison leads)"),
    ("propose_closure", "Propose closure of items of assigned forces (liaison leads)"),
    ("authorise_closure", "Authorise or return closure in own region (chiefs of staff)"),
    ("publish_report", "Publish an inspection report and its findings (administrators)"),
    ("import_portal_pages", "Upload monitoring-portal pages (administrators, leads)"),
    ("record_response", "Record the PCC's response to a report for own forces"),
]


def force_reports_need_a_response(apps, schema_editor):
    report_model = apps.get_model("recommendations", "InspectionReport")
    report_model.objects.filter(kind="force").update(response_required=True)


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
        content_type__app_label="recommendations", codename="record_response"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0013_item_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspectionreport",
            name="response_required",
            field=models.BooleanField(
                default=False,
                help_text="The forces' police and crime commissioners must publish comments "
                "within 56 days (s.55 Police Act 1996): always for force reports, and for "
                "national or thematic reports when ticked.",
                verbose_name="police and crime commissioner's response required",
            ),
        ),
        migrations.AddField(
            model_name="historicalinspectionreport",
            name="response_required",
            field=models.BooleanField(
                default=False,
                help_text="The forces' police and crime commissioners must publish comments "
                "within 56 days (s.55 Police Act 1996): always for force reports, and for "
                "national or thematic reports when ticked.",
                verbose_name="police and crime commissioner's response required",
            ),
        ),
        migrations.RunPython(force_reports_need_a_response, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="inspectionreport",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "force"), _negated=True)
                | models.Q(("response_required", True)),
                name="force_report_needs_response",
                violation_error_message="A force report always needs the police and crime "
                "commissioner's response.",
            ),
        ),
        migrations.AlterModelOptions(
            name="trackeditem",
            options={"ordering": ["last_entry_on", "id"], "permissions": PERMISSIONS},
        ),
        migrations.RunPython(grant, revoke),
    ]
