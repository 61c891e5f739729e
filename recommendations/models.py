"""Inspection reports, their findings, and each force's tracked copy with its timeline.

The current status of a tracked item is stored on the item for filtering, but only
`recommendations.services` writes it, always together with the status entry on the
timeline, so the two never disagree.
"""

import uuid
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from forces.models import Force
from tracker.database_rules import ChangesOtherThan, Refuse, append_only


class Status(models.Model):
    """Reference data: the statuses an item moves through (fixtures/statuses.json)."""

    AWAITING_REVIEW = "awaiting-review"
    BEING_PROGRESSED = "being-progressed"
    COMPLETE = "complete"
    NO_FURTHER_ACTION = "no-further-action-needed"

    slug = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=60)
    is_open = models.BooleanField(help_text="Open items still need work; closed ones do not.")
    tag_colour = models.CharField(max_length=20, blank=True, help_text="GOV.UK tag modifier")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]
        verbose_name_plural = "statuses"

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InspectionReport(models.Model):
    class Kind(models.TextChoices):
        FORCE = "force", "Force report"
        NATIONAL = "national", "National report"
        THEMATIC = "thematic", "Thematic report"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    published = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.URLField(blank=True, max_length=500)
    response_required = models.BooleanField(
        "police and crime commissioner's response required",
        default=False,
        help_text="The forces' police and crime commissioners must publish comments within "
        "56 days (s.55 Police Act 1996): always for force reports, and for national or "
        "thematic reports when ticked.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="force") | Q(response_required=True),
                name="force_report_needs_response",
                violation_error_message="A force report always needs the police and crime "
                "commissioner's response.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A force report always needs its PCC's response (the check constraint's rule)."""
        if self.kind == self.Kind.FORCE:
            self.response_required = True
        super().save(*args, **kwargs)


class Finding(models.Model):
    """The shared text of a cause of concern, recommendation or area for improvement.

    A national recommendation is one Finding tracked by many forces (one TrackedItem each).
    """

    class Kind(models.TextChoices):
        CAUSE_OF_CONCERN = "cause-of-concern", "Cause of concern"
        RECOMMENDATION = "recommendation", "Recommendation"
        AREA_FOR_IMPROVEMENT = "area-for-improvement", "Area for improvement"

    report = models.ForeignKey(InspectionReport, on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    number = models.PositiveIntegerField(
        null=True, blank=True, help_text="Its number in the report, e.g. 5 for Recommendation 5."
    )
    cause_of_concern = models.TextField(blank=True)
    text = models.TextField(help_text="The recommendation or area for improvement.")
    cause_of_concern_cy = models.TextField(
        "cause of concern (Welsh)", blank=True, help_text="The cause of concern in Welsh."
    )
    text_cy = models.TextField(
        "text (Welsh)", blank=True, help_text="The finding's text in Welsh, where published."
    )
    accelerated = models.BooleanField(
        default=False,
        help_text="A cause of concern raised by letter before the report was published.",
    )
    letter_date = models.DateField(
        null=True, blank=True, help_text="The date of the accelerated cause of concern's letter."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "kind", "number", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="finding_text_not_empty"),
            # Only a cause of concern is accelerated, and an accelerated one has its
            # letter's date (and nothing else has one).
            models.CheckConstraint(
                condition=(
                    Q(accelerated=False, letter_date__isnull=True)
                    | Q(accelerated=True, letter_date__isnull=False, kind="cause-of-concern")
                ),
                name="finding_accelerated_has_letter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.report})"

    @property
    def reference(self) -> str:
        """How the pages name it: "Recommendation 5", "Cause of concern", ..."""
        heading = self.get_kind_display()
        return f"{heading} {self.number}" if self.number else heading


# Columns copied or computed from other rows, which `TrackedItem.save()` never writes
# (an instance's copy may be stale). The sort keys are set when the item is created.
DERIVED_FIELDS = ("search", "force_name", "report_title", "finding_kind", "finding_number")


class TrackedItem(models.Model):
    """One force's copy of a finding: its own portal ID, status, owner and timeline."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="items")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="items")
    portal_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The public ID on the monitoring portal: the portal's own for imported "
        "items, else given at creation (next_public_id); never empty once saved.",
    )
    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField("owner", max_length=200, blank=True)
    owner_rank = models.CharField(max_length=100, blank=True)
    owner_department = models.CharField(max_length=200, blank=True)
    liaison_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_items",
    )
    target_date = models.DateField(null=True, blank=True)
    first_target_date = models.DateField(
        null=True,
        blank=True,
        help_text="The first target date the item was given (kept when it moves; an "
        "imported page's date counts as first).",
    )
    target_date_moves = models.PositiveIntegerField(
        default=0,
        help_text="How many times the target date was moved by hand (TargetDateMove rows); "
        "imports do not count.",
    )
    recheck_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the closure's effectiveness is to be re-checked (set by the "
        "authorising chief of staff; cleared when the re-check is recorded).",
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="items")
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    last_entry_on = models.DateField(
        help_text="Date of the newest timeline entry; kept by the services, for staleness."
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped on every change, to refuse saves from a stale form."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(
        default=timezone.now,
        help_text="When anything about the item last changed (set by services.save_item), "
        "for the API's incremental sync (`updated_since`).",
    )
    # Derived columns, for the list's text search and sorts, each with an index of its
    # own (the list would otherwise join and sort, or scan, at national scale). Kept by
    # the services (services.common.search_refresh, item_create, append_entry) and by
    # recommendations.signals when reference data is edited; never in the history.
    search = SearchVectorField(
        null=True,
        editable=False,
        help_text="The finding's texts and reference and the item's comments, for `q` "
        "(PostgreSQL only: GIN index in migration 0008; the SQLite demo searches substrings).",
    )
    force_name = models.CharField(max_length=100, blank=True, default="", editable=False)
    report_title = models.CharField(max_length=300, blank=True, default="", editable=False)
    finding_kind = models.CharField(max_length=30, blank=True, default="", editable=False)
    finding_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status_order = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="The status's order; set with the status."
    )
    history = HistoricalRecords(
        m2m_fields=[themes], excluded_fields=[*DERIVED_FIELDS, "status_order"]
    )

    class Meta:
        ordering = ["last_entry_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "force"], name="one_item_per_finding_force"),
            models.UniqueConstraint(
                fields=["force", "portal_id"],
                condition=Q(portal_id__isnull=False),
                name="portal_id_unique_per_force",
            ),
            # Every item has a public ID from its creation (migration 0015).
            models.CheckConstraint(condition=Q(portal_id__isnull=False), name="item_has_public_id"),
        ]
        triggers = [
            # A row inserted without a public ID (a bulk insert) takes the sequence's next
            # number; an explicit one above the sequence (an imported page) moves it on.
            pgtrigger.Trigger(
                name="item_public_id",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("portal_id"),
                func=(
                    "IF NEW.portal_id IS NULL AND TG_OP = 'INSERT' THEN "
                    "NEW.portal_id := nextval('recommendations_portal_id_seq'); "
                    "ELSIF NEW.portal_id > (SELECT last_value FROM recommendations_portal_id_seq) "
                    "THEN PERFORM setval('recommendations_portal_id_seq', NEW.portal_id); "
                    "END IF; RETURN NEW;"
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "last_entry_on"], name="item_status_last_entry"),
            models.Index(fields=["force", "status", "last_entry_on"], name="item_force_status"),
            models.Index(fields=["target_date", "id"], name="item_target_date"),
            # The overdue count (selectors.overdue_q: an open status, a target date before
            # today) as one index range per open status, read from the index alone: the
            # home pages' figure was a bitmap scan of every item's heap (issue 29).
            models.Index(fields=["status", "target_date"], name="item_status_target"),
            models.Index(fields=["last_entry_on", "id"], name="item_last_entry_id"),
            # One force's items oldest update first (the officer's dashboard: stale or
            # overdue, an OR the status index cannot serve): 70 ms to 9 ms at 100,000.
            models.Index(fields=["force", "last_entry_on", "id"], name="item_force_last_entry"),
            # One per sortable column of the list (filters.SORTS), ending in the id that
            # breaks ties, so a page of any sort is read in index order.
            models.Index(fields=["portal_id", "id"], name="item_sort_portal_id"),
            models.Index(fields=["force_name", "id"], name="item_sort_force"),
            models.Index(fields=["report_title", "id"], name="item_sort_report"),
            models.Index(fields=["finding_number", "id"], name="item_sort_reference"),
            models.Index(fields=["finding_kind", "id"], name="item_sort_type"),
            models.Index(  # with the status, for counting when sorted by status
                fields=["status_order", "id"], include=["status_id"], name="item_sort_status"
            ),
            models.Index(fields=["owner_name", "id"], name="item_sort_owner"),
            models.Index(fields=["updated_at", "id"], name="item_updated_at"),
            # The few closed items due a re-check (`recheck=due`) and the few that moved
            # (`moved=yes`), without scanning the million that did not.
            models.Index(
                fields=["recheck_on", "id"],
                condition=Q(recheck_on__isnull=False),
                name="item_recheck_on",
            ),
            models.Index(
                fields=["target_date_moves", "id"],
                condition=Q(target_date_moves__gt=0),
                name="item_target_date_moved",
            ),
        ]
        permissions = [
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
            ("reopen_item", "Reopen closed items (chiefs of staff for their region, inspectors)"),
            (
                "view_police_force",
                "Read the items of the police force whose PCC office one acts for (PCC offices)",
            ),
            (
                "manage_monitoring_stage",
                "Move a force between Scan and Engage (inspectors, administrators)",
            ),
            (
                "update_plan_action",
                "Write improvement plan actions and their updates for own force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force} – {self.finding.reference}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, leaving out the derived columns (DERIVED_FIELDS) once the row exists:
        only the services' own UPDATEs write them, so a stale copy never overwrites them."""
        updating = not self._state.adding and not kwargs.get("force_insert")
        if not updating and self.portal_id is None:
            self.portal_id = next_public_id()
        if updating and kwargs.get("update_fields") is None and not args:
            skipped = {*DERIVED_FIELDS, *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in skipped and f.attname not in skipped
            ]
        super().save(*args, **kwargs)

    @property
    def owner_display(self) -> str:
        return self.owner_text(self.owner_rank, self.owner_name, self.owner_department)

    @staticmethod
    def owner_text(rank: str, name: str, department: str) -> str:
        """The one way the portal writes an owner: "Supt, Lee Smith, Intelligence"."""
        return ", ".join(p for p in (rank, name, department) if p)


PUBLIC_ID_SEQUENCE = "recommendations_portal_id_seq"


def next_public_id() -> int:
    """The public ID for a new item: the next number of the PostgreSQL sequence, which
    starts above every imported ID (migration 0015); on SQLite (`make run`, one writer at
    a time) the highest stored ID plus one, read inside the creating transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [PUBLIC_ID_SEQUENCE])
        else:
            cursor.execute(
                "SELECT coalesce(max(portal_id), 0) + 1 FROM recommendations_trackeditem"
            )
        return int(cursor.fetchone()[0])


class TimelineEntry(models.Model):
    """An append-only dated entry: a status change or a comment.

    Never updated or deleted (PostgreSQL refuses it with a trigger, `Meta.triggers`);
    a correction is a new entry. `position` keeps the order of entries sharing a date.
    """

    class Kind(models.TextChoices):
        STATUS = "status", "Status"
        COMMENT = "comment", "Comment"

    class Event(models.TextChoices):
        """What the entry records, in the words the timeline shows."""

        STATUS_CHANGED = "status-changed", "Status changed"
        PROGRESS_UPDATE = "progress-update", "Progress update"
        COMMENT = "comment", "Comment"
        OWNER_CHANGED = "owner-changed", "Owner changed"
        REVIEW_REASON = "review-reason", "Reason for the review decision"
        NO_FURTHER_ACTION = "no-further-action", "No further action needed"
        CLOSURE_PROPOSED = "closure-proposed", "Closure proposed"
        CLOSURE_AUTHORISED = "closure-authorised", "Closure authorised"
        CLOSURE_RETURNED = "closure-returned", "Closure returned"
        CLOSURE_WITHDRAWN = "closure-withdrawn", "Closure proposal withdrawn"
        IMPORTED = "imported", "Imported from the portal"
        REOPENED = "reopened", "Reopened"

    class Visibility(models.TextChoices):
        """Public entries are published on the monitoring portal; internal ones never."""

        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"

    item = models.ForeignKey(TrackedItem, on_delete=models.PROTECT, related_name="timeline")
    date = models.DateField()
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.ForeignKey(Status, null=True, blank=True, on_delete=models.PROTECT)
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(
        max_length=200, blank=True, help_text="For imported entries, whose author is unknown."
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    visibility = models.CharField(
        max_length=10,
        choices=Visibility.choices,
        help_text="Fixed when written: a public entry is on the monitoring portal.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "position"]
        verbose_name_plural = "timeline entries"
        indexes = [
            # The recent status entries (selectors.review_overdue_q: awaiting review with
            # no status entry since the cutoff), found without reading every entry: the
            # home pages' "review overdue" figure scanned them all (issue 29).
            models.Index(
                fields=["date", "item"],
                condition=Q(kind="status"),
                name="timeline_status_date",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "date", "position"], name="timeline_position_unique"
            ),
            models.CheckConstraint(
                condition=(Q(kind="status", status__isnull=False))
                | (Q(kind="comment", status__isnull=True) & ~Q(text="")),
                name="timeline_entry_shape",
            ),
            # Status entries and imported entries are public; what only the inspectorate
            # and the force write to each other (progress, owner, proposal) is internal.
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "internal"])
                & (
                    ~Q(kind="status")
                    | Q(visibility="public", event__in=["status-changed", "imported"])
                )
                & (~Q(event="imported") | Q(visibility="public"))
                & (
                    ~Q(
                        event__in=[
                            "progress-update",
                            "owner-changed",
                            "closure-proposed",
                            "closure-returned",
                            "closure-withdrawn",
                        ]
                    )
                    | Q(visibility="internal")
                ),
                name="timeline_visibility_rules",
            ),
        ]
        triggers = [
            append_only(name="timeline_append_only", rule="timeline entries are append-only"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"

    @property
    def author_display(self) -> str:
        if self.author_id:
            from forces.selectors import display_name

            return display_name(self.author)
        return self.author_name or "Imported"


class TimelineEntryWelsh(models.Model):
    """The Welsh version of a public timeline entry (issue 30), written with it or added
    later: the entry itself is append-only, so its translation lives beside it. Never
    updated or deleted either; a corrected translation is not needed often enough to
    allow editing, and an entry has at most one."""

    entry = models.OneToOneField(TimelineEntry, on_delete=models.PROTECT, related_name="welsh")
    text = models.TextField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "timeline entry in Welsh"
        verbose_name_plural = "timeline entries in Welsh"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="timeline_welsh_not_empty"),
        ]
        triggers = [
            append_only(
                name="timeline_welsh_append_only", rule="Welsh timeline entries are append-only"
            ),
        ]

    def __str__(self) -> str:
        return f"Welsh of entry {self.entry_id}"


class ClosureProposal(models.Model):
    """A liaison lead's proposal to close an item, decided by a chief of staff."""

    class State(models.TextChoices):
        OPEN = "open", "Awaiting authorisation"
        AUTHORISED = "authorised", "Authorised"
        RETURNED = "returned", "Returned"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class VerifiedBy(models.TextChoices):
        """How the requirement was verified (the inspectorate's list); the values are a
        contract of the propose-closure form and the exports."""

        DOCUMENTS = "documents", "documents and evidence reviewed"
        REALITY_TESTING = "reality-testing", "reality testing"
        FIELDWORK = "fieldwork", "inspection fieldwork"
        INSIGHT = "insight", "insight activity"
        SELF_ASSESSMENT = "self-assessment", "force self-assessment"
        OTHER = "other", "other"

    item = models.ForeignKey(TrackedItem, on_delete=models.PROTECT, related_name="proposals")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals_made"
    )
    reason = models.TextField()
    verified_by = models.CharField(
        "how closure was verified",
        max_length=20,
        choices=VerifiedBy.choices,
        help_text="How the requirement was verified, from the inspectorate's list.",
    )
    verified_other = models.CharField(
        "other way it was verified",
        max_length=200,
        blank=True,
        help_text="Required when `verified_by` is other.",
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals_decided",
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    item_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The item's version once the proposal was made: a later version means "
        "the item changed since it was proposed (empty for proposals made before this "
        "was kept).",
    )
    changes_read = models.BooleanField(
        default=False,
        help_text="The decider said they had read what changed since the proposal.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(state="open"), name="one_open_proposal_per_item"
            ),
            # Authorising or returning is someone else's decision; withdrawing is the
            # proposer's own (or an administrator's).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(state="withdrawn")
                | ~Q(decided_by=models.F("proposed_by")),
                name="decider_is_not_proposer",
            ),
            models.CheckConstraint(
                condition=Q(state="open", decided_by__isnull=True)
                | (~Q(state="open") & Q(decided_by__isnull=False)),
                name="decided_proposal_has_decider",
            ),
            # One of the inspectorate's methods; "other" says which in words.
            models.CheckConstraint(
                condition=Q(
                    verified_by__in=[
                        "documents",
                        "reality-testing",
                        "fieldwork",
                        "insight",
                        "self-assessment",
                    ]
                )
                | (Q(verified_by="other") & ~Q(verified_other="")),
                name="proposal_verified_by_known",
            ),
        ]
        # PostgreSQL refuses deleting a proposal, and any update but the one decision:
        # from open to authorised, returned or withdrawn, changing only the decision.
        triggers = [
            Refuse(
                name="proposal_never_deleted",
                operation=pgtrigger.Delete,
                rule="closure proposals are never deleted",
            ),
            Refuse(
                name="proposal_decided_once",
                operation=pgtrigger.Update,
                condition=ChangesOtherThan(
                    pgtrigger.Q(old__state="open") & ~pgtrigger.Q(new__state="open"),
                    fields=[
                        "state",
                        "decided_by",
                        "decision_reason",
                        "decided_at",
                        "changes_read",
                    ],
                ),
                rule="a closure proposal is decided once, from open, and only its decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Closure proposal for {self.item} ({self.get_state_display()})"

    @property
    def verified_display(self) -> str:
        """How it was verified, in words: "insight activity", or other's own words."""
        return self.verified_text(self.verified_by, self.verified_other)

    @staticmethod
    def verified_text(verified_by: str, other: str) -> str:
        if verified_by == ClosureProposal.VerifiedBy.OTHER:
            return other or "other"
        return str(ClosureProposal.VerifiedBy(verified_by).label) if verified_by else ""


class TargetDateMove(models.Model):
    """One move of an item's target date: old and new dates, the reason (required) and
    who moved it. Append-only; an import's dates are not moves."""

    item = models.ForeignKey(
        TrackedItem, on_delete=models.PROTECT, related_name="target_date_history"
    )
    old_date = models.DateField(null=True, blank=True)
    new_date = models.DateField(null=True, blank=True)
    reason = models.TextField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moved_by_name = models.CharField(max_length=200, blank=True)
    was_overdue = models.BooleanField(
        default=False, help_text="The item was past its old target date when moved."
    )
    moved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["moved_at", "id"]
        indexes = [models.Index(fields=["item", "moved_at"], name="target_move_item")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="target_move_has_reason"),
        ]
        triggers = [
            append_only(name="target_move_append_only", rule="target date moves are append-only")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.old_date} → {self.new_date}"

    @property
    def days(self) -> int:
        """How far the date moved, in days (0 when either end is empty)."""
        if self.old_date is None or self.new_date is None:
            return 0
        return (self.new_date - self.old_date).days


class Reminder(models.Model):
    """A record that a stale item was reminded or escalated for one stale period.

    The unique constraint is what makes the sweep safe to run twice, or twice at once.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        ESCALATION = "escalation", "Escalation"
        # Follow-ups in the same digest, each claimed once like the stale reminders.
        RECHECK = "recheck", "Effectiveness re-check due"
        TARGET_DATE_MOVE = "target-date-move", "Large target-date move"

    item = models.ForeignKey(TrackedItem, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period_start = models.DateField(help_text="The last entry's date that began the stale period.")
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "kind", "period_start"], name="one_reminder_per_item_kind_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.item} ({self.period_start})"


class ReminderDelivery(models.Model):
    """One person's copy of a reminder, sent in their digest. `sent_at` is empty until the
    digest that carries it has gone; a digest sends only what is still pending, so a
    retried or repeated send task never sends twice."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "reminder delivery"
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="one_delivery_per_person"),
        ]
        indexes = [models.Index(fields=["user", "sent_at"], name="delivery_pending")]

    def __str__(self) -> str:
        return f"{self.reminder} to {self.user}"


class PendingImport(models.Model):
    """Uploaded portal pages between preview and confirmation, kept server-side (never
    in the session), and the progress of an import applied in the background.

    Only its owner can confirm or read it; rows expire after a day and are cleaned by
    the daily sweep.
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports"
    )
    files = models.JSONField(help_text="[[file name, page text], ...] as uploaded.")
    report_slug = models.SlugField(max_length=200)
    force_slug = models.SlugField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64)
    entries = models.PositiveIntegerField(default=0, help_text="New entries the preview found.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEWED)
    outcome = models.JSONField(default=list, blank=True, help_text="Lines to show when done.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="pending_import_expiry")]

    def __str__(self) -> str:
        return f"Import {self.pk} by {self.owner_id} ({self.get_state_display()})"
