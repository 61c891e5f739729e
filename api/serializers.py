"""What the API reads and writes. Items, entries and proposals are read from the
selectors' rows; request bodies are checked here for shape only (types, choices):
everything the domain decides is the services' to say."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recommendations.models import ClosureProposal, Finding, TimelineEntry
from recommendations.national import FINDING_SORTS
from recommendations.services import COMMENT_MAX_LENGTH
from recommendations.services.closure import OTHER_MAX_LENGTH
from tracker import dates
from tracker.text import CleanSerializerField


class OwnerSerializer(serializers.Serializer):
    name = serializers.CharField(source="owner_name")
    rank = serializers.CharField(source="owner_rank")
    department = serializers.CharField(source="owner_department")
    display = serializers.CharField(source="owner_display")


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    public_id = serializers.IntegerField(
        source="portal_id", allow_null=True, help_text="The monitoring portal's ID."
    )
    url = serializers.SerializerMethodField()
    force = serializers.SlugField(
        source="force.slug",
        help_text="The recipient's slug: a police force, a national body or a PCC office "
        "(`/api/v1/recipients/`).",
    )
    report = serializers.SlugField(source="finding.report.slug", help_text="The report's slug.")
    finding = serializers.IntegerField(source="finding_id")
    type = serializers.ChoiceField(source="finding.kind", choices=Finding.Kind.choices)
    reference = serializers.CharField(source="finding.reference")
    status = serializers.SlugField(source="status_id", help_text="The status's slug.")
    owner = OwnerSerializer(source="*")
    liaison_lead = serializers.CharField(
        source="liaison_lead.username", allow_null=True, default=None
    )
    target_date = serializers.DateField(allow_null=True)
    last_entry_on = serializers.DateField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back as If-Match to PATCH the item.")
    first_target_date = serializers.DateField(
        allow_null=True, help_text="The first target date the item was given."
    )
    target_date_moves = serializers.IntegerField(
        help_text="How many times the target date was moved (imports do not count)."
    )
    recheck_on = serializers.DateField(
        allow_null=True, help_text="When the closure's effectiveness is due a re-check."
    )

    def get_url(self, obj: Any) -> str:
        return f"{self.items_base()}{obj.pk}/"

    def items_base(self) -> str:
        base = self.context.get("items_base")
        if base is None:
            request = self.context.get("request")
            path = "/api/v1/items/"
            base = request.build_absolute_uri(path) if request else path
            self.context["items_base"] = base  # type: ignore[index]  # DRF's context is a dict
        return str(base)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """The fields above, written out directly: a page of 100 items through DRF's
        field-by-field machinery cost more than its database query (benchmarks)."""
        finding = instance.finding
        lead = instance.liaison_lead
        return {
            "id": instance.pk,
            "public_id": instance.portal_id,
            "url": f"{self.items_base()}{instance.pk}/",
            "force": instance.force.slug,
            "report": finding.report.slug,
            "finding": instance.finding_id,
            "type": finding.kind,
            "reference": finding.reference,
            "status": instance.status_id,
            "owner": {
                "name": instance.owner_name,
                "rank": instance.owner_rank,
                "department": instance.owner_department,
                "display": instance.owner_display,
            },
            "liaison_lead": lead.username if lead is not None else None,
            "target_date": _date(instance.target_date),
            "last_entry_on": _date(instance.last_entry_on),
            "updated_at": _datetime(instance.updated_at),
            "version": instance.version,
            "first_target_date": _date(instance.first_target_date),
            "target_date_moves": instance.target_date_moves,
            "recheck_on": _date(instance.recheck_on),
        }


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _datetime(value: dt.datetime) -> str:
    """As DRF's DateTimeField writes it: in the current time zone, UTC as Z."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TimelineEntry.Kind.choices)
    event = serializers.ChoiceField(choices=TimelineEntry.Event.choices)
    visibility = serializers.ChoiceField(choices=TimelineEntry.Visibility.choices)
    status = serializers.CharField(allow_null=True)
    text = serializers.CharField(allow_blank=True)
    author = serializers.CharField()


class ProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    state = serializers.ChoiceField(choices=ClosureProposal.State.choices)
    reason = serializers.CharField()
    verified_by = serializers.ChoiceField(choices=ClosureProposal.VerifiedBy.choices)
    verified_other = serializers.CharField(allow_blank=True)
    proposed_by = serializers.CharField(source="proposed_by.username")
    proposed_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(allow_blank=True)
    item_version = serializers.IntegerField(
        allow_null=True,
        help_text="The item's version once the proposal was made: a later item version "
        "means the item changed since it was proposed (null for older proposals).",
    )
    changes_read = serializers.BooleanField(
        help_text="Whether the decider said they read what changed since the proposal."
    )


class FindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    report = serializers.SlugField(source="report.slug")
    type = serializers.ChoiceField(source="kind", choices=Finding.Kind.choices)
    number = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField()
    cause_of_concern = serializers.CharField(allow_blank=True)
    text = serializers.CharField()


class ItemDetailSerializer(ItemSerializer):
    finding_detail = FindingSerializer(source="finding")
    themes = serializers.ListField(source="theme_slugs", child=serializers.SlugField())
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)
    open_proposal = ProposalSerializer(source="open_proposal_obj", allow_null=True)
    timeline = EntrySerializer(source="timeline_rows", many=True, help_text="Oldest first.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        proposal = instance.open_proposal_obj
        data.update(
            finding_detail=FindingSerializer(instance.finding).data,
            themes=instance.theme_slugs,
            superseded_by=instance.superseded_by_id,
            open_proposal=ProposalSerializer(proposal).data if proposal else None,
            timeline=[{**row, "date": _date(row["date"])} for row in instance.timeline_rows],
        )
        return data


class RecipientSerializer(serializers.Serializer):
    """A recipient of findings (`/api/v1/recipients/`): a police force, a national body or
    a police and crime commissioner's office. Items' `force` is a recipient's slug."""

    slug = serializers.SlugField(help_text="As items' `force` and the list's `force` filter.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["force", "national-body", "pcc-office"],
        help_text="`force` (a police force), `national-body` or `pcc-office`.",
    )
    region = serializers.SlugField(
        source="region.slug", help_text="The region's slug; national bodies are in `national`."
    )
    police_force = serializers.SlugField(
        source="police_force.slug",
        allow_null=True,
        default=None,
        help_text="A PCC office's police force (its slug); null for everything else.",
    )


class ReportSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    published = serializers.DateField()
    kind = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class ReportFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField(source="kind")
    number = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField()
    text = serializers.CharField()
    items_visible = serializers.IntegerField(help_text="Forces' copies you can see.")


class ReportDetailSerializer(ReportSerializer):
    findings = ReportFindingSerializer(source="findings_rows", many=True)


class RollupRowSerializer(serializers.Serializer):
    """One force's copy of the finding: its row on the finding page and in its CSV
    (`recommendations.national.CopyRow`)."""

    id = serializers.IntegerField(source="item_id")
    public_id = serializers.IntegerField(
        source="portal_id", allow_null=True, help_text="The monitoring portal's ID."
    )
    url = serializers.SerializerMethodField(help_text="The item in the API.")
    force = serializers.SlugField(source="force_slug", help_text="The force's slug.")
    force_name = serializers.CharField(source="force")
    region = serializers.CharField()
    status = serializers.SlugField(source="status.slug", help_text="The status's slug.")
    last_entry_on = serializers.DateField(source="last_update")
    days_since_update = serializers.IntegerField()
    stale = serializers.BooleanField(help_text="Open and not updated within the stale period.")
    overdue = serializers.BooleanField(help_text="Open and past its target date.")
    owner = serializers.CharField(allow_blank=True, help_text="The owner as the page shows it.")
    target_date = serializers.DateField(allow_null=True)
    liaison_lead_name = serializers.CharField(source="liaison_lead", allow_blank=True)
    open_proposal = serializers.SerializerMethodField(
        help_text="The open closure proposal's id, if any."
    )

    def get_url(self, obj: Any) -> str:
        request = self.context.get("request")
        path = f"/api/v1/items/{obj.item_id}/"
        return request.build_absolute_uri(path) if request else path

    def get_open_proposal(self, obj: Any) -> int | None:
        return obj.proposal.pk if obj.proposal is not None else None


class FindingTotalsSerializer(serializers.Serializer):
    """The finding page's totals, over the rows (`recommendations.national.FindingRollup`)."""

    statuses = serializers.SerializerMethodField(
        help_text="How many of the copies are in each status, every status in order."
    )
    total = serializers.IntegerField(help_text="Copies (rows).")
    closed = serializers.IntegerField(help_text="Copies complete or no further action.")
    completion_rate = serializers.IntegerField(
        allow_null=True, help_text="Per cent of the copies closed; null with no copies."
    )
    median_days_open = serializers.FloatField(
        allow_null=True,
        help_text="Median days since the last update of the open copies; null with none open.",
    )
    stale = serializers.IntegerField(help_text="Open copies not updated within the stale period.")
    overdue = serializers.IntegerField(help_text="Open copies past their target date.")
    open_proposals = serializers.IntegerField(help_text="Copies with an open closure proposal.")

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_statuses(self, obj: Any) -> dict[str, int]:
        return {status.slug: n for status, n in obj.counts}


class FindingRollupSerializer(FindingSerializer):
    """The finding page (`/findings/{id}/`) as data: `recommendations.national.finding_rollup`,
    the same rows in the same order and the same totals."""

    all_forces = serializers.BooleanField(
        help_text="True: every force's copy; false: the rows and totals cover only your scope."
    )
    totals = FindingTotalsSerializer(source="*")
    items = RollupRowSerializer(source="rows", many=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = dict(FindingSerializer(instance.finding).data)
        data.update(
            all_forces=instance.all_forces,
            totals=FindingTotalsSerializer(instance).data,
            items=RollupRowSerializer(instance.rows, many=True, context=self.context).data,
        )
        return data


class FindingQuery(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=[
            choice
            for key in FINDING_SORTS
            for choice in ((key, f"by {key}"), (f"-{key}", f"by {key}, descending"))
        ],
        default="force",
        help_text="As on the finding page: a column, descending with a leading '-'.",
    )


# --- Request bodies ---------------------------------------------------------------------
# Every free text is a CleanSerializerField (tracker.text: the one rule for text, the
# message naming the field) and every date a DateIn (tracker.dates: no year before
# 1900); the services check both again.


class DateIn(serializers.DateField):
    """An ISO 8601 date, no earlier than tracker.dates allows."""

    def to_internal_value(self, value: Any) -> dt.date:
        parsed = super().to_internal_value(value)
        problem = dates.too_early(parsed, field_label=str(self.label or self.field_name))
        if problem is not None:
            raise serializers.ValidationError(problem, code="too_early")
        return parsed


class ProgressUpdateIn(serializers.Serializer):
    text = CleanSerializerField(
        multiline=True, trim_whitespace=False, max_length=COMMENT_MAX_LENGTH
    )
    date = DateIn(required=False, help_text="Defaults to today; never later, nor before 1900.")


class CommentIn(ProgressUpdateIn):
    visibility = serializers.ChoiceField(
        choices=TimelineEntry.Visibility.choices,
        help_text="public: published on the monitoring portal; internal: never.",
    )


class ItemPatchIn(serializers.Serializer):
    owner_name = CleanSerializerField(required=False, allow_blank=True, max_length=200)
    owner_rank = CleanSerializerField(required=False, allow_blank=True, max_length=100)
    owner_department = CleanSerializerField(required=False, allow_blank=True, max_length=200)
    target_date = DateIn(required=False, allow_null=True, help_text="Not before 1900.")
    confirm_past_date = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send true to keep a new target date that is in the past (as the "
        "page's “Yes, the target date is in the past”); without it such a date is 422.",
    )
    reason = CleanSerializerField(
        multiline=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Why the target date moves: required when it moves.",
    )


class ProposalIn(serializers.Serializer):
    reason = CleanSerializerField(
        multiline=True, trim_whitespace=False, max_length=COMMENT_MAX_LENGTH
    )
    verified_by = serializers.ChoiceField(choices=ClosureProposal.VerifiedBy.choices)
    verified_other = CleanSerializerField(
        required=False,
        allow_blank=True,
        max_length=OTHER_MAX_LENGTH,
        help_text="Required when verified_by is other.",
    )
    open_actions_reason = CleanSerializerField(
        multiline=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=COMMENT_MAX_LENGTH,
        help_text="A cause of concern whose improvement plan has actions not done: why it "
        "should close now (without it, 400).",
    )


class AuthoriseIn(serializers.Serializer):
    # Given as `note`, read as the registry's `reason` (the page's field), so the two
    # doors carry the decision's words under one name (recommendations.actions).
    note = CleanSerializerField(
        source="reason",
        multiline=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=COMMENT_MAX_LENGTH,
    )
    publish_note = serializers.BooleanField(
        required=False, default=False, help_text="Publish the note with the public comment."
    )
    changes_read = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send true to say you read what changed since closure was proposed (the "
        "409's `changes`): without it, or the `version` you read, a changed item is 409.",
    )
    version = serializers.IntegerField(
        source="seen_version",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The item's version you read (its ETag): when it is the item's version "
        "now, you read the item as it is, changes included.",
    )
    recheck_on = DateIn(
        required=False,
        allow_null=True,
        help_text="When to re-check that the closure worked (after today), e.g. the next "
        "inspection.",
    )


class ChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_blank=True)
    what = serializers.CharField()
    line = serializers.CharField(help_text="The change as the pages write it.")


class ChangedSinceProposedProblem(serializers.Serializer):
    """The 409 for authorising an item changed since closure was proposed."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    version = serializers.IntegerField(
        required=False, help_text="The item's version now (a changed item only)."
    )
    changes = ChangeSerializer(
        many=True, required=False, help_text="What changed, oldest first (a changed item only)."
    )


class ReasonIn(serializers.Serializer):
    reason = CleanSerializerField(
        multiline=True, trim_whitespace=False, max_length=COMMENT_MAX_LENGTH
    )


class ReopenIn(serializers.Serializer):
    reason = CleanSerializerField(
        multiline=True,
        trim_whitespace=False,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Why it is reopened: internal, never published.",
    )
    public_reason = CleanSerializerField(
        multiline=True,
        trim_whitespace=False,
        max_length=COMMENT_MAX_LENGTH,
        help_text="What the public will see: published on the monitoring portal.",
    )
    finding = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The later finding (its id) that found the problem still present.",
    )


# --- Engage (issue 28): monitoring stages and improvement plans -----------------------

PLAN_STATUSES = ["not-started", "in-progress", "done", "blocked"]


class MonitoringStageRowSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["scan", "engage"])
    entered_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    meeting = serializers.CharField(help_text="The oversight group meeting that decided it.")


class MonitoringStageSerializer(serializers.Serializer):
    """A police force's monitoring stage now (`scan` when it has never been in Engage)
    and its history, newest first."""

    force = serializers.SlugField()
    stage = serializers.ChoiceField(choices=["scan", "engage"])
    since = serializers.DateField(allow_null=True, help_text="Null: never in Engage.")
    history = MonitoringStageRowSerializer(many=True)


class PlanUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    text = serializers.CharField()
    status_after = serializers.ChoiceField(choices=PLAN_STATUSES)
    reviewed = serializers.BooleanField(help_text="Reviewed by the liaison lead.")


class PlanActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    owner = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=PLAN_STATUSES)
    overdue = serializers.BooleanField(help_text="Not done, and past its due date.")
    updates = PlanUpdateSerializer(many=True, help_text="Oldest first. Internal.")


class PlanUpdateIn(serializers.Serializer):
    text = CleanSerializerField(
        multiline=True, trim_whitespace=False, max_length=COMMENT_MAX_LENGTH
    )
    status = serializers.ChoiceField(
        choices=PLAN_STATUSES, help_text="The action's status after this update."
    )
    date = DateIn(required=False, help_text="Defaults to today; never later, nor before 1900.")
