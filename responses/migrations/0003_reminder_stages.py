# The PCC responses' reminders at 14 and 3 days before the deadline, and overdue (the
# stage each reminder is of); the reminders already sent were of overdue responses.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0002_verbose_names"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="responsereminder",
            name="one_response_reminder_per_report_force",
        ),
        migrations.AddField(
            model_name="responsereminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("due-14", "due within 14 days"),
                    ("due-3", "due within 3 days"),
                    ("overdue", "overdue"),
                ],
                default="overdue",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="responsereminder",
            constraint=models.UniqueConstraint(
                fields=("report", "force", "kind"),
                name="one_response_reminder_per_report_force_kind",
            ),
        ),
    ]
