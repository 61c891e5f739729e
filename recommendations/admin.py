from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    Reminder,
    Status,
    Theme,
    TimelineEntry,
    TrackedItem,
)


@admin.register(Status)
class StatusAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "name", "is_open", "order"]


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(InspectionReport)
class InspectionReportAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "published"]
    list_filter = ["kind"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "number", "report"]
    list_filter = ["kind", "report"]
    search_fields = ["text"]


class TimelineEntryInline(admin.TabularInline):
    """Read-only: entries are appended through the portal's services, never edited."""

    model = TimelineEntry
    fields = ["date", "position", "kind", "status", "text", "author", "author_name"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-date", "-position"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(TrackedItem)
class TrackedItemAdmin(SimpleHistoryAdmin):
    """Status and timeline change only through the portal's services, so they are
    read-only here; owner, lead, target date and themes can be corrected."""

    list_display = ["__str__", "portal_id", "force", "status", "last_entry_on", "target_date"]
    list_filter = ["status", "finding__kind", "force__region", "force", "finding__report"]
    search_fields = ["=portal_id", "finding__text"]
    list_per_page = 50
    list_select_related = ["force", "status", "finding__report"]
    readonly_fields = ["finding", "force", "status", "last_entry_on", "version"]
    autocomplete_fields = ["liaison_lead", "superseded_by"]
    filter_horizontal = ["themes"]
    inlines = [TimelineEntryInline]
    show_full_result_count = True


@admin.register(ClosureProposal)
class ClosureProposalAdmin(SimpleHistoryAdmin):
    list_display = ["item", "state", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["state"]
    readonly_fields = [
        "item",
        "proposed_by",
        "reason",
        "state",
        "decided_by",
        "decision_reason",
        "decided_at",
    ]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["item", "kind", "period_start", "sent_at"]
    list_filter = ["kind"]
    readonly_fields = ["item", "kind", "period_start", "recipients", "sent_at"]
