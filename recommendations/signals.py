"""Keep the items' copied sort keys and search documents in step when an administrator
edits reference data (a force's name, a report's title, a finding, a status's order) in
the Django admin. Items themselves change only through the services, which keep their
own copies; these UPDATEs write no history row (the copies are derived data)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from forces.models import Force

from .models import Finding, InspectionReport, Status, TrackedItem
from .services.common import search_refresh


@receiver(post_save, sender=Force, dispatch_uid="items_follow_force")
def items_follow_force(sender: type[Force], instance: Force, created: bool, **_: Any) -> None:
    if not created:
        TrackedItem.objects.filter(force=instance).exclude(force_name=instance.name).update(
            force_name=instance.name
        )


@receiver(post_save, sender=InspectionReport, dispatch_uid="items_follow_report")
def items_follow_report(
    sender: type[InspectionReport], instance: InspectionReport, created: bool, **_: Any
) -> None:
    if not created:
        TrackedItem.objects.filter(finding__report=instance).exclude(
            report_title=instance.title
        ).update(report_title=instance.title)


@receiver(post_save, sender=Finding, dispatch_uid="items_follow_finding")
def items_follow_finding(sender: type[Finding], instance: Finding, created: bool, **_: Any) -> None:
    if created:
        return
    items = TrackedItem.objects.filter(finding=instance)
    items.update(
        report_title=instance.report.title,
        finding_kind=instance.kind,
        finding_number=instance.number,
    )
    search_refresh(items.values_list("pk", flat=True))


@receiver(post_save, sender=Status, dispatch_uid="items_follow_status")
def items_follow_status(sender: type[Status], instance: Status, created: bool, **_: Any) -> None:
    if not created:
        TrackedItem.objects.filter(status_id=instance.slug).exclude(
            status_order=instance.order
        ).update(status_order=instance.order)
