"""Publishing reports and issuing their findings to recipients (police forces, national
bodies, PCC offices) as tracked items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from forces.models import Force

from .. import errors
from ..filter_fields import recipients_in_order
from ..models import (
    Finding,
    InspectionReport,
    Status,
    TimelineEntry,
    TrackedItem,
)
from ..selectors import today
from ..signals import Change
from .common import (
    Actor,
    announce,
    append_entry,
    check_not_too_early,
    clean_line,
    clean_text,
    forget_computed,
    history_user,
    save_with_history,
    search_refresh,
    status_order,
)


@dataclass(frozen=True)
class FindingInput:
    kind: str
    text: str
    number: int | None = None
    cause_of_concern: str = ""
    # A cause of concern raised by letter before the report (Engage): the letter's date.
    accelerated: bool = False
    letter_date: dt.date | None = None


def item_create(
    *,
    finding: Finding,
    force: Force,
    by: Actor | None,
    portal_id: int | None = None,
    on: dt.date | None = None,
    with_first_entry: bool = True,
    author_name: str = "",
    refresh_search: bool = True,
) -> TrackedItem:
    """Create one force's copy of a finding, starting with an awaiting-review entry dated
    at publication (unless the caller, the importer, brings its own first entry). The
    item's search document is built here, unless the caller builds it once for many
    items (`refresh_search=False`) or adds the entries itself (the importer, which
    builds it after them)."""
    start = on or finding.report.published
    item = TrackedItem(
        finding=finding,
        force=force,
        portal_id=portal_id,
        status_id=Status.AWAITING_REVIEW,
        status_order=status_order(Status.AWAITING_REVIEW),
        last_entry_on=start,
        # The list's sort keys, copied once: an item's force and finding never change
        # (recommendations.signals follows edits of the reference data).
        force_name=force.name,
        report_title=finding.report.title,
        finding_kind=finding.kind,
        finding_number=finding.number,
    )
    save_with_history(item, by=by, reason="Created")
    if with_first_entry:
        entry = append_entry(
            item,
            kind=TimelineEntry.Kind.STATUS,
            on=start,
            by=history_user(by),
            status=Status.AWAITING_REVIEW,
            author_name=author_name,
            event=TimelineEntry.Event.IMPORTED if author_name else None,
        )
        item.save(update_fields=["status", "status_order", "last_entry_on"])
        announce(item, Change.CREATED, entries=[entry])  # a public status entry
    forget_computed(item)
    if with_first_entry and refresh_search:
        search_refresh([item.pk])
    return item


def require_publisher(by: User) -> None:
    if not by.has_perm("recommendations.publish_report"):
        raise errors.NotPermitted


def report_forces(report: InspectionReport) -> QuerySet[Force]:
    """The recipients a report's findings may be issued to, by kind then name. A national
    or thematic report's: every recipient (the police forces, the national bodies and the
    PCC offices). A force report's: the police force its items already belong to, or,
    before its first finding, any police force (that finding then fixes which one, and only
    one may be chosen: `findings_issue` refuses more)."""
    if report.kind != InspectionReport.Kind.FORCE or report.pk is None:
        return recipients_in_order(Force.objects.all())
    forces = Force.objects.police().order_by("name")
    own = TrackedItem.objects.filter(finding__report=report).values("force_id")
    return forces.filter(pk__in=own) if own.exists() else forces


def _check_forces(report: InspectionReport, forces: list[Force]) -> None:
    """A finding goes only to its report's recipients; a force report's to its one force."""
    if not forces:
        raise errors.DomainError("Select at least one recipient", field="forces")
    allowed = report_forces(report)
    if report.kind != InspectionReport.Kind.FORCE:
        if allowed.filter(pk__in=[f.pk for f in forces]).count() != len({f.pk for f in forces}):
            raise errors.DomainError("Select recipients from the list", field="forces")
        return
    if len({f.pk for f in forces}) > 1:
        raise errors.DomainError(
            "A force report is about one force: choose only that force", field="forces"
        )
    if not allowed.filter(pk=forces[0].pk).exists():
        names = ", ".join(allowed.values_list("name", flat=True))
        raise errors.DomainError(f"This force report's findings go to {names} only", field="forces")


def _check_accelerated(data: FindingInput) -> None:
    """Only a cause of concern is accelerated, and then with its letter's date (the
    database says so too: finding_accelerated_has_letter)."""
    if not data.accelerated:
        if data.letter_date is not None:
            raise errors.DomainError(
                "Give the letter's date only for an accelerated cause of concern",
                field="letter_date",
            )
        return
    if data.kind != Finding.Kind.CAUSE_OF_CONCERN:
        raise errors.DomainError("Only a cause of concern can be accelerated", field="accelerated")
    if data.letter_date is None:
        raise errors.DomainError(
            "Enter the date of the letter that raised the accelerated cause of concern",
            field="letter_date",
        )
    if data.letter_date > today():
        raise errors.FutureDate(field="letter_date")
    check_not_too_early(data.letter_date, field="letter_date", label="the letter's date")


@transaction.atomic
def findings_issue(
    *,
    report: InspectionReport,
    by: User,
    findings: Sequence[FindingInput],
    forces: Iterable[Force],
) -> list[TrackedItem]:
    """Issue findings of a report to recipients: one finding row each, one item per
    recipient. Only the report's recipients (`report_forces`): a force report's findings
    go to its one force."""
    require_publisher(by)
    # One issue at a time per report: a check page confirmed twice cannot add the same
    # numbered finding twice, nor a force report's first finding go to two forces.
    InspectionReport.objects.select_for_update().filter(pk=report.pk).first()
    forces = list(forces)
    _check_forces(report, forces)
    checked = [
        (
            data,
            clean_text(data.text, field="text", label="the finding's text"),
            clean_text(
                data.cause_of_concern,
                field="cause_of_concern",
                label="the cause of concern",
                required=False,
            ),
        )
        for data in findings
    ]
    for data, *_ in checked:
        _check_accelerated(data)
        if (
            data.number is not None
            and report.findings.filter(kind=data.kind, number=data.number).exists()
        ):
            label = Finding(kind=data.kind, number=data.number).reference
            raise errors.DomainError(f"This report already has {label}", field="number")
    items: list[TrackedItem] = []
    for data, text, cause_of_concern in checked:
        finding = Finding(
            report=report,
            kind=data.kind,
            number=data.number,
            cause_of_concern=cause_of_concern,
            text=text,
            accelerated=data.accelerated,
            letter_date=data.letter_date if data.accelerated else None,
        )
        save_with_history(finding, by=by, reason="Issued")
        items.extend(
            item_create(finding=finding, force=f, by=by, refresh_search=False) for f in forces
        )
    search_refresh([item.pk for item in items])  # one statement for every new copy
    return items


def _max(field: str) -> int:
    return getattr(InspectionReport._meta.get_field(field), "max_length", None) or 200


@transaction.atomic
def report_publish(
    *,
    by: User,
    title: str,
    slug: str,
    published: dt.date,
    kind: str,
    url: str = "",
    findings: Sequence[FindingInput] = (),
    forces: Iterable[Force] = (),
    response_required: bool = False,
) -> InspectionReport:
    """Publish an inspection report and issue its findings to the chosen forces. A force
    report always needs its police and crime commissioner's response; a national or
    thematic one when `response_required`."""
    require_publisher(by)
    title = clean_line(title, field="title", label="the title", max_length=_max("title"))
    if not title:
        raise errors.DomainError("Enter the report's title", field="title")
    url = clean_line(url, field="url", label="the link", max_length=_max("url"))
    if published > today():
        raise errors.FutureDate(field="published")
    check_not_too_early(published, field="published", label="the date published")
    if InspectionReport.objects.filter(slug=slug).exists():
        raise errors.DomainError("A report with this short name already exists", field="slug")
    report = InspectionReport(
        title=title,
        slug=slug,
        published=published,
        kind=kind,
        url=url,
        response_required=response_required or kind == InspectionReport.Kind.FORCE,
    )
    save_with_history(report, by=by, reason="Published")
    if findings:
        findings_issue(report=report, by=by, findings=findings, forces=forces)
    return report


# Imports: the portal-page importer (recommendations.portal_format.importing) parses
# pages and plans; these services decide and write, for the shell and the upload alike.
