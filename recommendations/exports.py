"""CSV and Excel exports of exactly the rows the list shows: same filters, scope, order."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.urls import reverse

from .models import Finding, TrackedItem
from .selectors import stale_q, today

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
]
KIND_LABELS = dict(Finding.Kind.choices)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Stop a spreadsheet reading a cell as a formula: prefix such text with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(qs: QuerySet) -> Iterator[list[object]]:
    """The export rows, streamed from the database in chunks; memory stays flat."""
    on = today()
    # Stale by the one definition (selectors.stale_q), worked out by the database.
    qs = qs.annotate(is_stale=ExpressionWrapper(stale_q(on), output_field=BooleanField()))
    base = settings.PORTAL_BASE_URL
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
            target.isoformat() if target else "",
            published.isoformat(),
            last.isoformat(),
            (on - last).days,
            "yes" if stale else "no",
            base + item_path.format(pk),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(data: Iterable[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADERS)
    for row in data:
        yield writer.writerow([neutralise(v) for v in row])


def xlsx_bytes(data: Iterable[list[object]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Recommendations")
    sheet.append(HEADERS)
    for row in data:
        sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(ext: str) -> str:
    return f"recommendations-{today().isoformat()}.{ext}"
