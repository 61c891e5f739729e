"""Django admin building blocks: "the admin reads, the services write".

`ReadOnlyAdminMixin` is for models only the portal's services change (tracked items,
timelines, closure proposals, reminders, pending imports): nobody can add, change or
delete them here, and their change page shows them read-only.

`NoRevertMixin` is for every `SimpleHistoryAdmin`: its history pages only show.
simple-history's record page (`history_form_view`) saves whatever is POSTed to it,
checking only the *view* permission, so it is refused outright, whatever the setting
`SIMPLE_HISTORY_REVERT_DISABLED` (which only hides the button) says.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


class NoRevertMixin:
    """History records are shown, never reverted to."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied("History records cannot be reverted to.")
        return super().history_form_view(  # type: ignore[misc]  # mixed into SimpleHistoryAdmin
            request, object_id, version_id, extra_context
        )


class ReadOnlyAdminMixin:
    """No add, change or delete permission for anyone (so no "delete selected" action
    either); the change page shows every field read-only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Every field, so no form (the change page's, or a history record's) has an
        input to save, even where a view does not check the change permission."""
        opts = self.model._meta  # type: ignore[attr-defined]  # mixed into a ModelAdmin
        excluded = set(self.exclude or ())  # type: ignore[attr-defined]  # mixed into a ModelAdmin
        declared = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]  # a ModelAdmin's
        fields = [
            f.name
            for f in [*opts.fields, *opts.many_to_many]
            if not f.auto_created and f.name not in excluded
        ]
        return fields + [name for name in declared if name not in fields]
