"""CSV and Excel exports of exactly the rows the list shows: same filters, scope, order.
The CSV is written, and every cell of both neutralised, by the kernel's one writer
(tracker.downloads)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import BooleanField, ExpressionWrapper, OuterRef, QuerySet, Subquery
from django.urls import reverse

from tracker.downloads import neutralise

from .models import ClosureProposal, Finding, TrackedItem
from .selectors import overdue_q, stale_q, today

HEADERS = [
    "portal_id",
    "force",
    "region",
    "report",
    "reference",
    "type",
    "status",
    "owner",
    "liaison_lead",
    "target_date",
    "published",
    "last_update",
    "days_since_update",
    "stale",
    "url",
    "overdue",
    "verified_by",
    "verified_other",
]
FIELDS = [
    "pk",
    "portal_id",
    "force__name",
    "force__region__name",
    "finding__report__title",
    "finding__kind",
    "finding__number",
    "status_id",
    "owner_name",
    "owner_rank",
    "owner_department",
    "liaison_lead__username",
    "target_date",
    "finding__report__published",
    "last_entry_on",
    "is_stale",
    "is_overdue",
    "verified_by",
    "verified_other",
]
KIND_LABELS = dict(Finding.Kind.choices)
COLUMN_WIDTHS = {
    "verified_other": 30,
    "force": 32,
    "region": 20,
    "report": 50,
    "reference": 24,
    "owner": 30,
    "url": 45,
}


def rows(qs: QuerySet, base: str) -> Iterator[list[object]]:
    """The export rows, streamed from the database in chunks; memory stays flat. Dates
    are dates (each format writes them its own way); links start with `base`, the
    portal's address (tracker.base_url)."""
    on = today()
    # How closure was verified: the open proposal's, else the one that closed the item.
    closing_proposal = ClosureProposal.objects.filter(
        item=OuterRef("pk"),
        state__in=[ClosureProposal.State.OPEN, ClosureProposal.State.AUTHORISED],
    ).order_by("-proposed_at", "-id")
    # Stale by the one definition (selectors.stale_q), worked out by the database.
    # Stale and overdue by their one definitions, worked out by the database.
    qs = qs.annotate(
        is_stale=ExpressionWrapper(stale_q(on), output_field=BooleanField()),
        is_overdue=ExpressionWrapper(overdue_q(on), output_field=BooleanField()),
        verified_by=Subquery(closing_proposal.values("verified_by")[:1]),
        verified_other=Subquery(closing_proposal.values("verified_other")[:1]),
    )
    base = base.rstrip("/")
    item_path = reverse("recommendations:item", args=[0]).replace("/0/", "/{}/")
    for r in qs.values_list(*FIELDS).iterator(chunk_size=2000):
        (
            pk,
            portal_id,
            force,
            region,
            report,
            kind,
            number,
            status,
            owner,
            rank,
            department,
            lead,
            target,
            published,
            last,
            stale,
            overdue,
            verified_by,
            verified_other,
        ) = r
        label = KIND_LABELS[kind]
        yield [
            portal_id if portal_id is not None else "",
            force,
            region,
            report,
            f"{label} {number}" if number else label,
            kind,
            status,
            TrackedItem.owner_text(rank, owner, department),
            lead or "",
            target,
            published,
            last,
            (on - last).days,
            "yes" if stale else "no",
            base + item_path.format(pk),
            "true" if overdue else "false",
            verified_by or "",
            verified_other or "",
        ]


def xlsx_bytes(data: Iterable[list[object]]) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Recommendations")
    sheet.freeze_panes = "A2"  # the header stays in view
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(header, 14)
    bold = Font(bold=True)
    header_cells = []
    for header in HEADERS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in data:
        cells: list[object] = []
        for value in row:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=dt.datetime(value.year, value.month, value.day))
                cell.number_format = "yyyy-mm-dd"  # a real date, sortable and filterable
                cells.append(cell)
            else:
                cells.append(neutralise("" if value is None else value))
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{count + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(ext: str) -> str:
    return f"recommendations-{today().isoformat()}.{ext}"
