"""Reference data and people's scope stay editable here; their history pages only show
(reverting to a history record is refused, tracker.admin_mixins.NoRevertMixin)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.admin_mixins import NoRevertMixin

from .models import Force, Region, Scope


class HistoryAdmin(NoRevertMixin, SimpleHistoryAdmin):
    """Editable, with a history that is only shown."""


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Force)
class ForceAdmin(HistoryAdmin):
    list_display = ["name", "slug", "region"]
    list_filter = ["region"]
    search_fields = ["name", "slug"]


@admin.register(Scope)
class ScopeAdmin(HistoryAdmin):
    list_display = ["user", "region"]
    filter_horizontal = ["forces"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
