"""What changes the public site, connected in MonitoringConfig.ready(): an item's change
that added a public entry (`recommendations.signals.item_changed`, sent once the change
is committed), and any change to findings, reports, forces, regions, themes and items'
themes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from forces.models import Force, Region
from recommendations import hooks
from recommendations.models import (
    Finding,
    InspectionReport,
    Status,
    Theme,
    TimelineEntryWelsh,
    TrackedItem,
)
from recommendations.signals import ItemChange, item_changed

from .cache import bump_public_version, public_changed

# A Welsh version of a public entry (issue 30) is public too, added with it or later.
PUBLIC_MODELS = (Finding, InspectionReport, Force, Region, Theme, Status, TimelineEntryWelsh)


@receiver(item_changed, dispatch_uid="public_item_changed")
def public_item_changed(sender: type, change: ItemChange, **kwargs: Any) -> None:
    """A public entry is committed: the public pages show it (ADR 0008). Sent after the
    commit, so a page rendered before it is never cached under the new version."""
    if change.public:
        bump_public_version()


@receiver(post_save)
@receiver(post_delete)
def reference_changed(sender: type, **kwargs: Any) -> None:
    if sender in PUBLIC_MODELS or sender in hooks.public_models():  # engage's stages
        public_changed()


@receiver(m2m_changed, sender=TrackedItem.themes.through)
def item_themes_changed(sender: type, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        public_changed()
