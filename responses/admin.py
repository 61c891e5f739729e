"""Responses change only through `responses.services` (the policy, the checks and the
history in one place), so the admin shows them read-only, history included."""

from django.contrib import admin

from recommendations.admin import ReadOnlyAdmin, ReadOnlyHistoryAdmin

from .models import PccResponse, ResponseAnswer, ResponseReminder, ResponseReminderDelivery


@admin.register(PccResponse)
class PccResponseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["report", "force", "received", "url"]
    list_filter = ["force__region"]
    search_fields = ["report__title", "force__name"]


@admin.register(ResponseAnswer)
class ResponseAnswerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["response", "item", "answer"]


@admin.register(ResponseReminder)
class ResponseReminderAdmin(ReadOnlyAdmin):
    list_display = ["report", "force", "kind", "created_at", "sent_at"]
    list_filter = ["kind"]


@admin.register(ResponseReminderDelivery)
class ResponseReminderDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["reminder", "user", "sent_at"]
