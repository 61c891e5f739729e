"""Maps parsed monitoring-portal pages onto tracked items, and items back onto pages.

`plan` checks a batch of files against the database for the person importing and says,
per file, what importing would do, collecting every problem as `FILE:LINE: message`.
`apply` writes a plan in one transaction through the services (`item_import_create`,
`timeline_import`), which check the same rules again (`services.import_problems`): scope
first, so a page for a force outside the person's scope is refused before any of that
force's stored data is looked at; no closing status except by an administrator; no
entry dated after today; no open proposal stranded. The shell acts as
`policy.COMMAND_LINE`, an administrator migrating history; the upload as the signed-in
person. Importing is idempotent: the stored timeline must be the start of the page's
timeline, and only the entries after it are new.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import cast

from django.db import transaction

from forces.models import Force

from .. import services
from ..models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    Status,
    TimelineEntry,
    TrackedItem,
)
from ..public import published_entries
from . import parse as portal_parse
from .render import render

MAX_FILE_BYTES = 1024 * 1024
IMPORTED_AUTHOR = services.IMPORTED_AUTHOR


@dataclass
class FilePlan:
    name: str
    page: portal_parse.Page | None = None
    force: Force | None = None
    item: TrackedItem | None = None
    new_entries: list[portal_parse.Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    creates: bool = False

    @property
    def outcome(self) -> str:
        if self.creates:
            return f"created: {len(self.new_entries)} entries"
        if self.new_entries:
            n = len(self.new_entries)
            return f"updated: {n} new entr{'y' if n == 1 else 'ies'}"
        return "unchanged"

    @property
    def status_from(self) -> str | None:
        """The item's status slug before the import (None for a new item)."""
        return None if self.creates or self.item is None else self.item.status_id

    @property
    def status_to(self) -> str | None:
        """The status slug the import leaves the item in, when it sets one."""
        statuses = [e.value for e in self.new_entries if e.kind == "status"]
        return statuses[-1] if statuses else None

    def change_text(self, status_names: dict[str, str]) -> str:
        """What importing the page does to its item, in words: "New item, status Awaiting
        review, 3 entries", "Status Awaiting review → Being progressed, 2 new entries",
        "1 new entry", "Nothing new: every entry is already on the tracker"."""
        n = len(self.new_entries)
        if not n:
            return "Nothing new: every entry is already on the tracker"
        entries = f"{n} {'new ' if not self.creates else ''}entr{'y' if n == 1 else 'ies'}"
        to = self.status_to
        if self.creates:
            return f"New item, status {status_names.get(to or '', to)}, {entries}"
        before = self.status_from
        if to and to != before:
            old = status_names.get(before or "", before)
            return f"Status {old} → {status_names.get(to, to)}, {entries}"
        return entries[0].upper() + entries[1:]


@dataclass
class ImportPlan:
    files: list[FilePlan]
    report: InspectionReport | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        """How many entries importing would add, over every file."""
        return sum(len(f.new_entries) for f in self.files)

    def fingerprint(self) -> str:
        """Changes when the stored items a plan rests on change, so a confirmation can
        refuse to apply a preview that is no longer true."""
        parts = [
            f.name + ":" + (f"{f.item.pk}@{f.item.version}" if f.item else "new") + ":" + f.outcome
            for f in self.files
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _finding_input(page: portal_parse.Page) -> services.FindingInput:
    return services.FindingInput(
        kind=page.kind,
        text=page.text,
        number=page.number,
        cause_of_concern=page.cause_of_concern,
    )


def _finding_for(report: InspectionReport, page: portal_parse.Page) -> Finding | None:
    return services.finding_for_page(report, _finding_input(page))


def _imported(entries: list[portal_parse.Entry]) -> list[services.ImportedEntry]:
    return [services.ImportedEntry(e.date, e.kind, e.value, e.line) for e in entries]


def _entry_value(entry: TimelineEntry) -> str:
    """A status entry's status slug (a database constraint says it has one), else its text."""
    return cast(str, entry.status_id) if entry.kind == "status" else entry.text


def _published(item: TrackedItem) -> list[TimelineEntry]:
    """The item's entries a portal page carries: its public ones, oldest first
    (`recommendations.public` decides what is public; internal entries never leave)."""
    return published_entries(item)


def _stored_entries(item: TrackedItem) -> list[tuple[object, str, str]]:
    """What a page of the item is compared with: its public entries (ADR 0008)."""
    return [(e.date, e.kind, _entry_value(e)) for e in _published(item)]


def plan(
    files: list[tuple[str, bytes]],
    *,
    by: services.Actor,
    force_slug: str | None = None,
    report_slug: str | None = None,
) -> ImportPlan:
    problems: list[str] = []
    report = None
    if report_slug:
        report = InspectionReport.objects.filter(slug=report_slug).first()
        if report is None:
            problems.append(f"--report: there is no report called '{report_slug}'")
    forces = {f.slug: f for f in Force.objects.all()}
    if force_slug and force_slug not in forces:
        problems.append(f"--force: there is no force called '{force_slug}'")
    statuses = frozenset(Status.objects.values_list("slug", flat=True))
    plans: list[FilePlan] = []
    seen: dict[tuple[object, ...], str] = {}
    for name, data in files:
        fp = FilePlan(name)
        plans.append(fp)

        def problem(line: int, message: str, name: str = name) -> None:
            problems.append(f"{name}:{line}: {message}")

        if len(data) > MAX_FILE_BYTES:
            problem(
                1,
                f"the file is too large ({len(data) / 1048576:.1f} MB); a page is at "
                f"most {MAX_FILE_BYTES // 1048576} MB",
            )
            continue
        if not data.strip():
            problem(1, "the file is empty")
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            problem(line, f"the file is not UTF-8 text (byte {error.start + 1} cannot be read)")
            continue
        control = services.CONTROL_CHARACTERS.search(text)
        if control:
            problem(
                text[: control.start()].count("\n") + 1,
                f"the file contains the control character U+{ord(control[0]):04X}, "
                "which is not allowed in a page",
            )
            continue
        try:
            page = portal_parse.parse(text, statuses=statuses)
        except portal_parse.PageError as error:
            for p in error.problems:
                problem(p.line, p.message)
            continue
        fp.page = page
        fp.warnings = [f"{name}:{line}: {message}" for line, message in page.warnings]
        if page.force_slug and force_slug and page.force_slug != force_slug:
            problem(
                1,
                f"the page address names force '{page.force_slug}' but --force says '{force_slug}'",
            )
            continue
        slug = page.force_slug or force_slug
        if not slug:
            problem(1, "cannot determine the force: the page has no address line; give --force")
            continue
        if slug not in forces:
            problem(1, f"there is no force called '{slug}'")
            continue
        fp.force = forces[slug]
        scope = services.import_problems(by=by, force=fp.force, entries=[])
        if scope:
            # Nothing of that force's stored data is looked at, let alone shown.
            problem(*scope[0])
            continue
        if report is None:
            if not report_slug:
                problem(1, "cannot place the item in a report: give --report")
            continue
        finding = _finding_for(report, page)
        if finding is not None and (
            finding.text != page.text or finding.cause_of_concern != page.cause_of_concern
        ):
            problem(
                1,
                f"the text differs from the stored text of {finding.reference} in '{report.slug}'",
            )
            continue
        item = None
        if page.portal_id is not None:
            item = TrackedItem.objects.filter(force=fp.force, portal_id=page.portal_id).first()
            if item is not None and finding is not None and item.finding_id != finding.pk:
                problem(1, f"portal ID {page.portal_id} of {slug} is already another item")
                continue
            if item is not None and finding is None:
                problem(
                    1,
                    f"portal ID {page.portal_id} of {slug} is already an item of "
                    "another report or with another text",
                )
                continue
        if item is None and finding is not None:
            item = TrackedItem.objects.filter(force=fp.force, finding=finding).first()
            if item is not None and page.portal_id and item.portal_id not in (None, page.portal_id):
                problem(1, f"this item of {slug} already has portal ID {item.portal_id}")
                continue
        key = (
            fp.force.pk,
            report.pk,
            page.kind,
            page.number,
            page.text if page.number is None else "",
        )
        if key in seen:
            problem(1, f"duplicate item: {seen[key]} is the same item for the same force")
            continue
        seen[key] = name
        fp.item = item
        entries = [(e.date, e.kind, e.value) for e in page.entries]
        if item is None:
            if not page.entries or page.entries[0].kind != "status":
                problem(
                    page.entries[0].line if page.entries else 1,
                    "a new item's timeline must start with a status entry",
                )
                continue
            fp.new_entries = list(page.entries)
            fp.creates = True
            for line, message in services.import_problems(
                by=by, force=fp.force, entries=_imported(fp.new_entries)
            ):
                problem(line, message)
            continue
        stored = _stored_entries(item)
        for index, (old, new) in enumerate(zip(stored, entries, strict=False)):
            if old != new:
                problem(
                    page.entries[index].line,
                    f"entry {index + 1} differs from the stored timeline (stored: "
                    f"{old[1]} on {old[0]:%-d %B %Y}, {str(old[2])[:60]!r}); "
                    "history is never edited by an import",
                )
                break
        else:
            if len(stored) > len(entries):
                problem(
                    page.entries[-1].line if page.entries else 1,
                    f"the page has {len(entries)} entries but {len(stored)} are stored: "
                    "an entry was removed; history is never edited by an import",
                )
                continue
            fp.new_entries = list(page.entries[len(stored) :])
            if fp.new_entries:
                open_proposal = item.proposals.filter(state=ClosureProposal.State.OPEN).first()
                for line, message in services.import_problems(
                    by=by,
                    force=fp.force,
                    entries=_imported(fp.new_entries),
                    item=item,
                    open_proposal=open_proposal,
                ):
                    problem(line, message)
    return ImportPlan(files=plans, report=report, problems=problems)


@transaction.atomic
def apply(import_plan: ImportPlan, *, by: services.Actor) -> list[FilePlan]:
    """Write a checked plan through the services, all or nothing. The caller re-plans
    first when time has passed; the services check every rule again under the lock."""
    assert import_plan.ok and import_plan.report is not None
    for fp in import_plan.files:
        page, force = fp.page, fp.force
        assert page is not None and force is not None
        if not fp.new_entries:
            continue
        entries = _imported(fp.new_entries)
        if fp.creates:
            fp.item = services.item_import_create(
                report=import_plan.report,
                page=_finding_input(page),
                force=force,
                by=by,
                entries=entries,
                source=fp.name,
                portal_id=page.portal_id,
            )
        else:
            assert fp.item is not None
            fp.item = services.timeline_import(
                item=fp.item, by=by, entries=entries, source=fp.name, portal_id=page.portal_id
            )
    return import_plan.files


def item_page(item: TrackedItem) -> portal_parse.Page:
    entries = [portal_parse.Entry(e.date, e.kind, _entry_value(e), 0) for e in _published(item)]
    finding = item.finding
    return portal_parse.Page(
        kind=finding.kind,
        number=finding.number,
        cause_of_concern=finding.cause_of_concern,
        text=finding.text,
        entries=entries,
        force_slug=item.force.slug,
        portal_id=item.portal_id,
    )


def item_page_text(item: TrackedItem) -> str:
    return render(item_page(item))


def export_filename(item: TrackedItem) -> str:
    return f"{item.force.slug}-{item.portal_id or item.pk}.txt"


__all__ = ["ImportPlan", "FilePlan", "plan", "apply", "item_page_text"]
