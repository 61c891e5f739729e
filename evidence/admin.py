"""Evidence in the Django admin: read-only, history included. Files are removed on the
item page by an administrator with a reason, through the service; never deleted here."""

from django.contrib import admin

from recommendations.admin import ReadOnlyHistoryAdmin

from .models import Evidence


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "item", "content_type", "size", "marking", "uploaded_at", "removed_at"]
    list_filter = ["marking", "content_type"]
    search_fields = ["name", "sha256"]
    list_select_related = ["item__force", "item__finding"]
    exclude = ["storage_name"]
