from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Force, Region, Scope


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Force)
class ForceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "region"]
    list_filter = ["region"]
    search_fields = ["name", "slug"]


@admin.register(Scope)
class ScopeAdmin(SimpleHistoryAdmin):
    list_display = ["user", "region"]
    filter_horizontal = ["forces"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
