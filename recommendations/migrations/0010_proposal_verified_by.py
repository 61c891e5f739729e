"""A closure proposal says how the requirement was verified (`verified_by`, from the
inspectorate's list; "other" with its own words in `verified_other`).

Proposals made before this migration did not record it. They get `other` with the words
"not recorded (proposed before the portal asked how closure was verified)": true, and
the check constraint below holds for them, rather than a guessed method. The values are
written by ADD COLUMN ... DEFAULT, so the trigger that lets a proposal change only its
decision is not asked (no UPDATE runs); the trigger is recompiled to protect the two new
columns too."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

CHOICES = [
    ("documents", "documents and evidence reviewed"),
    ("reality-testing", "reality testing"),
    ("fieldwork", "inspection fieldwork"),
    ("insight", "insight activity"),
    ("self-assessment", "force self-assessment"),
    ("other", "other"),
]
NOT_RECORDED = "not recorded (proposed before the portal asked how closure was verified)"


def _verified_by(default: str | None) -> models.CharField:
    return models.CharField(
        choices=CHOICES,
        default=default,
        help_text="How the requirement was verified, from the inspectorate's list.",
        max_length=20,
        verbose_name="how closure was verified",
    )


def _verified_other(default: str) -> models.CharField:
    return models.CharField(
        blank=True,
        default=default,
        help_text="Required when `verified_by` is other.",
        max_length=200,
        verbose_name="other way it was verified",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0009_item_sort_keys"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="closureproposal",
            name="proposal_decided_once",
        ),
        migrations.AddField(
            model_name="closureproposal",
            name="verified_by",
            field=_verified_by("other"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="closureproposal",
            name="verified_other",
            field=_verified_other(NOT_RECORDED),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalclosureproposal",
            name="verified_by",
            field=_verified_by("other"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalclosureproposal",
            name="verified_other",
            field=_verified_other(NOT_RECORDED),
            preserve_default=False,
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="closureproposal",
            trigger=pgtrigger.compiler.Trigger(
                name="proposal_decided_once",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (NOT (OLD."state" = \'open\' AND NOT (NEW."state" = \'open\')) OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."item_id" IS DISTINCT FROM (NEW."item_id") OR OLD."proposed_by_id" IS DISTINCT FROM (NEW."proposed_by_id") OR OLD."reason" IS DISTINCT FROM (NEW."reason") OR OLD."verified_by" IS DISTINCT FROM (NEW."verified_by") OR OLD."verified_other" IS DISTINCT FROM (NEW."verified_other") OR OLD."proposed_at" IS DISTINCT FROM (NEW."proposed_at"))',  # noqa: E501
                    func="RAISE EXCEPTION '% refused on %: a closure proposal is decided once, from open, and only its decision', TG_OP, TG_TABLE_NAME;",  # noqa: E501
                    hash="502d06b214b3c853599bca83a340745ce1bca47a",
                    operation="UPDATE",
                    pgid="pgtrigger_proposal_decided_once_91808",
                    table="recommendations_closureproposal",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="closureproposal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    verified_by__in=[
                        "documents",
                        "reality-testing",
                        "fieldwork",
                        "insight",
                        "self-assessment",
                    ]
                )
                | (models.Q(verified_by="other") & ~models.Q(verified_other="")),
                name="proposal_verified_by_known",
            ),
        ),
    ]
