"""CSV and Excel exports of exactly the rows the list shows: same filters, scope, order.
The CSV is written, and every cell of both neutralised, by the kernel's one writer
(tracker.downloads).

The column names are a contract: new columns are appended at the end, never inserted
or renamed (`text`, `latest_update`, `first_target_date` and `target_date_moves` came
last, issues 25 and 26; `recipient_kind` after them, issue 28: `force` names the
recipient, a police force, a national body or a PCC office, and `recipient_kind` says
which, as `force`, `national-body` or `pcc-office`). Flags are `yes`/`no`.
`latest_update` is the text of the item's newest comment entry, public or internal:
the list's people see an item's whole timeline, as on its page. In the workbook `url`
is a real hyperlink."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import BooleanField, ExpressionWrapper, OuterRef, QuerySet, Subquery
from django.urls import reverse

from tracker.downloads import neutralise

from .models import ClosureProposal, Finding, TimelineEntry, TrackedItem
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
    "text",
    "latest_update",
    "first_target_date",
    "target_date_moves",
    "recipient_kind",
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
    "finding__text",
    "latest_update",
    "first_target_date",
    "target_date_moves",
    "force__kind",
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
    "text": 60,
    "latest_update": 60,
}
# Excel's own limits: a cell holds at most 32,767 characters, a sheet 65,530 links.
XLSX_CELL_MAX = 32_767
XLSX_LINKS_MAX = 65_530


def yes_no(flag: object) -> str:
    """How every export writes a flag."""
    return "yes" if flag else "no"


def latest_update() -> Subquery:
    """The text of an item's newest comment entry (public or internal), as a subquery on
    OuterRef("pk"): one per row of the same query, read along the timeline's
    (item, date, position) index."""
    return Subquery(
        TimelineEntry.objects.filter(item_id=OuterRef("pk"), kind=TimelineEntry.Kind.COMMENT)
        .order_by("-date", "-position")
        .values("text")[:1]
    )


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
        latest_update=latest_update(),
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
            text,
            latest,
            first_target,
            moves,
            recipient_kind,
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
            yes_no(stale),
            base + item_path.format(pk),
            yes_no(overdue),
            verified_by or "",
            verified_other or "",
            text,
            latest or "",
            first_target,
            moves,
            recipient_kind,
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
    link_font = Font(color="0563C1", underline="single")  # Excel's own hyperlink look
    url_at = HEADERS.index("url")
    header_cells = []
    for header in HEADERS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in data:
        cells: list[object] = []
        for at, value in enumerate(row):
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=dt.datetime(value.year, value.month, value.day))
                cell.number_format = "yyyy-mm-dd"  # a real date, sortable and filterable
                cells.append(cell)
            elif at == url_at and isinstance(value, str) and count < XLSX_LINKS_MAX:
                link = WriteOnlyCell(sheet, value=str(neutralise(value)))
                link.hyperlink = value  # a link that opens the item; plain text past the limit
                link.font = link_font
                cells.append(link)
            else:
                cell_value = neutralise("" if value is None else value)
                if isinstance(cell_value, str) and len(cell_value) > XLSX_CELL_MAX:
                    cell_value = cell_value[: XLSX_CELL_MAX - 1] + "…"
                cells.append(cell_value)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{count + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(ext: str) -> str:
    return f"recommendations-{today().isoformat()}.{ext}"
