"""The admin reads, the services write.

Tracked items, timelines, closure proposals, reminders and pending imports change only
through the portal's services (which keep status and timeline together, check who may
act, and record history), so here they are read-only for everyone, administrators
included. Reference data and reports stay editable. History pages only show: reverting
to a history record is refused (tracker.admin_mixins.NoRevertMixin).
"""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tracker.admin_mixins import NoRevertMixin, ReadOnlyAdminMixin
from tracker.text import CleanTextAdminMixin

from .models import (
    DERIVED_FIELDS,
    ClosureProposal,
    Finding,
    InspectionReport,
    PendingImport,
    Reminder,
    ReminderDelivery,
    Status,
    Theme,
    TimelineEntry,
    TrackedItem,
)


class HistoryAdmin(CleanTextAdminMixin, NoRevertMixin, SimpleHistoryAdmin):
    """Editable (its text clean by the one rule, tracker.text), with a history that is
    only shown."""


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, NoRevertMixin, SimpleHistoryAdmin):
    """Read-only, history included."""


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only."""


@admin.register(Status)
class StatusAdmin(HistoryAdmin):
    list_display = ["slug", "name", "is_open", "order"]


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(InspectionReport)
class InspectionReportAdmin(HistoryAdmin):
    list_display = ["title", "kind", "published"]
    list_filter = ["kind"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Finding)
class FindingAdmin(HistoryAdmin):
    list_display = ["__str__", "kind", "number", "report"]
    list_filter = ["kind", "report"]
    search_fields = ["text"]


class TimelineEntryInline(admin.TabularInline):
    """Read-only: entries are appended through the portal's services, never edited."""

    model = TimelineEntry
    fields = readonly_fields = (
        "date",
        "position",
        "kind",
        "status",
        "text",
        "author",
        "author_name",
    )
    extra = 0
    can_delete = False
    ordering = ["-date", "-position"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(TrackedItem)
class TrackedItemAdmin(ReadOnlyHistoryAdmin):
    """Read-only: status, timeline, owner, liaison lead, target date and themes change
    only through the portal's services, which check who may set them."""

    list_display = ["__str__", "portal_id", "force", "status", "last_entry_on", "target_date"]
    list_filter = ["status", "finding__kind", "force__region", "force", "finding__report"]
    search_fields = ["=portal_id", "finding__text"]
    list_per_page = 50
    list_select_related = ["force", "status", "finding__report"]
    inlines = [TimelineEntryInline]
    show_full_result_count = True
    exclude = [*DERIVED_FIELDS, "status_order"]  # copies for the list's search and sorts

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrackedItem]:
        # Never read the search document: it is large and not shown (a changelist search
        # that carried it through its joins took seconds instead of 0.6 s).
        return super().get_queryset(request).defer("search")


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ["item", "date", "position", "kind", "status", "author_display"]
    list_filter = ["kind", "status"]
    list_select_related = ["item__force", "item__finding__report", "status", "author"]
    search_fields = ["=item__portal_id", "text"]
    date_hierarchy = "date"


@admin.register(ClosureProposal)
class ClosureProposalAdmin(ReadOnlyHistoryAdmin):
    list_display = ["item", "state", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["item__force", "item__finding__report", "proposed_by", "decided_by"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["item", "kind", "period_start", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["item__force", "item__finding__report"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["reminder", "user", "sent_at"]
    list_filter = ["reminder__kind"]
    list_select_related = ["reminder__item__force", "reminder__item__finding__report", "user"]


@admin.register(PendingImport)
class PendingImportAdmin(ReadOnlyAdmin):
    """Uploads between preview and confirmation. The uploaded pages themselves are
    never shown: only their owner reads them, in the portal."""

    list_display = ["owner", "state", "created_at", "expires_at"]
    list_filter = ["state"]
    list_select_related = ["owner"]
    exclude = ["files"]
