"""Importing published portal pages: the rules every import door obeys, and the writes.
The parser and planner live in recommendations.portal_format; these decide and write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from forces.models import Force
from forces.selectors import display_name
from tracker.text import TextError, clean_text

from .. import errors, policy
from ..models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    TimelineEntry,
    TrackedItem,
)
from ..selectors import today
from ..signals import Change
from .common import (
    CLOSING_STATUSES,
    Actor,
    announce,
    history_user,
    lock_item,
    save_item,
    save_with_history,
    search_refresh,
    status_order,
)
from .reports import FindingInput, item_create


@dataclass(frozen=True)
class ImportedEntry:
    """One dated entry of a portal page: a status (value = its slug) or a comment."""

    date: dt.date
    kind: str
    value: str
    line: int = 1


IMPORTED_AUTHOR = "Imported from the monitoring portal"


def import_problems(
    *,
    by: Actor,
    force: Force,
    entries: Sequence[ImportedEntry],
    item: TrackedItem | None = None,
    open_proposal: ClosureProposal | None = None,
) -> list[tuple[int, str]]:
    """Every reason the entries cannot be added to the force's item (or to a new item
    when `item` is None), as (line, message). A force outside the person's scope is
    the only answer for it: nothing of that force's stored data is looked at."""
    refusal = policy.refusal(by, policy.Action.IMPORT_PAGES, force)
    if refusal is errors.OutsideScope:
        return [(1, f"you do not act for {force.name}")]
    if refusal is not None:
        return [(1, refusal.message)]
    problems: list[tuple[int, str]] = []
    latest = item.last_entry_on if item is not None else None
    # The status the item is in as each entry is reached: a closed item's status is never
    # changed by an import, whoever imports (the closure was a chief of staff's decision;
    # reopening is an action on the item's page, with its reason).
    current = item.status_id if item is not None else None
    on = today()
    for entry in entries:
        if entry.date > on:
            problems.append(
                (
                    entry.line,
                    f"the entry is dated {entry.date:%-d %B %Y}, after today: "
                    "no entry can be dated in the future",
                )
            )
            continue
        # The one text type (tracker.text), as every other door: checked, not changed,
        # so that importing the same page again finds the same text stored.
        try:
            clean_text(entry.value, field_label="The entry", multiline=True)
        except TextError as error:
            problems.append((entry.line, error.message))
        if entry.kind == TimelineEntry.Kind.STATUS:
            if latest is not None and entry.date < latest:
                problems.append(
                    (
                        entry.line,
                        f"a status entry dated {entry.date:%-d %B %Y} cannot come after an "
                        f"entry dated {latest:%-d %B %Y}",
                    )
                )
            if entry.value in CLOSING_STATUSES and not policy.may_import_closure(by):
                problems.append(
                    (
                        entry.line,
                        f"a '{entry.value}' status cannot be imported: propose closure on the "
                        "item's page instead, so that a chief of staff can authorise it",
                    )
                )
            if current in CLOSING_STATUSES and entry.value != current:
                problems.append(
                    (
                        entry.line,
                        f"the item is closed ('{current}'): an import cannot change a closed "
                        "item's status. Reopen it on the item's page",
                    )
                )
            current = entry.value
            if open_proposal is not None:
                problems.append(
                    (
                        entry.line,
                        "the item has a closure proposal awaiting a decision, which a status "
                        "change would leave stranded: withdraw it or have it decided first",
                    )
                )
        latest = max(latest, entry.date) if latest is not None else entry.date
    return problems


def _raise_import_problems(problems: list[tuple[int, str]]) -> None:
    if problems:
        raise errors.DomainError("; ".join(f"line {line}: {message}" for line, message in problems))


def _import_entries(
    item: TrackedItem, entries: Sequence[ImportedEntry], *, by: Actor
) -> list[TimelineEntry]:
    """Append checked entries in one insert, positioned after the stored ones of each
    date. Closing entries name the administrator who imported them."""
    dates = {e.date for e in entries}
    positions = dict(
        TimelineEntry.objects.filter(item=item, date__in=dates)
        .values_list("date")
        .annotate(m=Max("position"))
    )
    importer = history_user(by)
    rows = []
    for entry in entries:
        positions[entry.date] = positions.get(entry.date, 0) + 1
        is_status = entry.kind == TimelineEntry.Kind.STATUS
        names_importer = is_status and entry.value in CLOSING_STATUSES
        author_name = IMPORTED_AUTHOR
        if names_importer:
            name = display_name(importer) if importer is not None else by.get_full_name()
            author_name = f"{IMPORTED_AUTHOR}, closure imported by {name}"
        rows.append(
            TimelineEntry(
                item=item,
                date=entry.date,
                position=positions[entry.date],
                kind=entry.kind,
                status_id=entry.value if is_status else None,
                text="" if is_status else entry.value,
                author=importer if names_importer else None,
                author_name=author_name,
                # From the public portal, so public.
                event=TimelineEntry.Event.IMPORTED,
                visibility=TimelineEntry.Visibility.PUBLIC,
            )
        )
        if is_status:
            item.status_id = entry.value
        if entry.date > item.last_entry_on:
            item.last_entry_on = entry.date
    if any(e.kind == TimelineEntry.Kind.STATUS for e in entries):
        item.status_order = status_order(item.status_id)  # an expression: the UPDATE reads it
    created = TimelineEntry.objects.bulk_create(rows, batch_size=2000)
    search_refresh([item.pk])
    return created


@transaction.atomic
def timeline_import(
    *,
    item: TrackedItem,
    by: Actor,
    entries: Sequence[ImportedEntry],
    source: str,
    portal_id: int | None = None,
) -> TrackedItem:
    """Append a published page's newer entries to an item, as `by` (the signed-in
    person, or COMMAND_LINE). Raises DomainError with every problem of
    `import_problems`, checked again under the row lock."""
    item = lock_item(item)
    proposal = item.proposals.filter(state=ClosureProposal.State.OPEN).first()
    _raise_import_problems(
        import_problems(by=by, force=item.force, entries=entries, item=item, open_proposal=proposal)
    )
    if portal_id and item.portal_id is None:
        item.portal_id = portal_id
    created = _import_entries(item, entries, by=by)
    save_item(item, by=by, reason=f"Imported from {source}")
    announce(item, Change.IMPORTED, entries=created)  # public entries (ADR 0008)
    return item


@transaction.atomic
def item_import_create(
    *,
    report: InspectionReport,
    page: FindingInput,
    force: Force,
    by: Actor,
    entries: Sequence[ImportedEntry],
    source: str,
    portal_id: int | None = None,
) -> TrackedItem:
    """Create a force's item from a published page: its finding (shared with other
    forces' copies of the same text) and its timeline, which starts with a status."""
    _raise_import_problems(import_problems(by=by, force=force, entries=entries))
    if not entries or entries[0].kind != TimelineEntry.Kind.STATUS:
        raise errors.DomainError("a new item's timeline must start with a status entry")
    finding = finding_for_page(report, page)
    if finding is None:
        finding = Finding(
            report=report,
            kind=page.kind,
            number=page.number,
            cause_of_concern=page.cause_of_concern,
            text=page.text,
        )
        save_with_history(finding, by=by, reason=f"Imported from {source}")
    item = item_create(
        finding=finding,
        force=force,
        by=by,
        portal_id=portal_id,
        on=entries[0].date,
        with_first_entry=False,
    )
    created = _import_entries(item, entries, by=by)
    save_item(item, by=by, reason=f"Imported from {source}")
    announce(item, Change.IMPORTED, entries=created)  # public entries (ADR 0008)
    return item


def finding_for_page(report: InspectionReport, page: FindingInput) -> Finding | None:
    """The stored finding a page is a copy of: same report, kind and number (and text,
    for unnumbered ones)."""
    candidates = Finding.objects.filter(report=report, kind=page.kind, number=page.number)
    if page.number is None:
        candidates = candidates.filter(text=page.text)
    return candidates.first()
