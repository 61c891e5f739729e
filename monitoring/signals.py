"""What changes the public site besides a public timeline entry (which the services
report themselves): findings, reports, forces, regions, themes and items' themes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from forces.models import Force, Region
from recommendations.models import Finding, InspectionReport, Status, Theme, TrackedItem

from .cache import public_changed

PUBLIC_MODELS = (Finding, InspectionReport, Force, Region, Theme, Status)


@receiver(post_save)
@receiver(post_delete)
def reference_changed(sender: type, **kwargs: Any) -> None:
    if sender in PUBLIC_MODELS:
        public_changed()


@receiver(m2m_changed, sender=TrackedItem.themes.through)
def item_themes_changed(sender: type, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        public_changed()
