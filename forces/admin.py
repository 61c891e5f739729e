"""Reference data and people's scope stay editable here; their history pages only show
(reverting to a history record is refused, tracker.admin_mixins.NoRevertMixin)."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from tracker.admin_mixins import NoRevertMixin
from tracker.text import CleanTextAdminMixin

from .models import Force, Region, Scope


class HistoryAdmin(CleanTextAdminMixin, NoRevertMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # simple-history has no types
    """Editable (its text clean by the one rule, tracker.text), with a history that is
    only shown."""


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


class PortalUserAdmin(CleanTextAdminMixin, UserAdmin):  # type: ignore[type-arg]  # generic only in the stubs
    """Django's user admin (names clean by the one rule for text, tracker.text), plus
    resetting a person's two-factor sign-in (a lost phone): recorded in the security log
    and in the admin's change history."""

    actions = ["two_factor_reset"]

    @admin.action(description="Reset two-factor sign-in (they set it up again)")
    def two_factor_reset(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponseRedirect | None:
        """Through the same rule as the reset page (tracker.two_factor.reset_refusal): a
        session that entered its code and proved its password within five minutes, and
        never one's own second factor. Nobody is reset unless everyone chosen may be."""
        from tracker import step_up, two_factor

        people = list(queryset)
        for person in people:
            why = two_factor.reset_refusal(request, person)
            if why == two_factor.STEP_UP_NEEDED:
                self.message_user(request, f"{why}, then choose the action again.")
                return HttpResponseRedirect(step_up.url_for(request.get_full_path()))
            if why is not None:
                self.message_user(request, f"{person.get_username()}: {why}.", messages.ERROR)
                return None
        for person in people:
            two_factor.reset(user=person, by=request.user)
            self.log_change(request, person, "Reset two-factor sign-in")
        self.message_user(request, f"Two-factor sign-in reset for {len(people)} people.")
        return None


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PortalUserAdmin)
