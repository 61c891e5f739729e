"""Every file the portal hands out, built one way: the list's CSV and Excel exports, a
finding's CSV, an item's history CSV and portal page, the PCC responses' CSV, the
public data CSV and portal pages, and the evidence files.

- `content_disposition(name)`: `attachment; filename="…"` with a plain-ASCII name (no
  quotes, slashes or control characters); the exact name is also in `filename*`
  (UTF-8, percent-encoded) when the ASCII one differs from it, or when a person chose
  it (`from_person`: an evidence file's name).
- `attachment(response, name)`: that header on any response (a FileResponse too).
- `download(content, filename=…, content_type=…)`: an attachment response; text or
  bytes as an HttpResponse, an iterator of chunks as a StreamingHttpResponse.
- `neutralise(value)`: a cell as a spreadsheet should get it: without what a spreadsheet
  cannot hold (tracker.text.for_spreadsheet) and never read as a formula (text starting
  with = + - @ or a tab or carriage return gets a leading quote).
- `csv_lines(rows, headers)`: the one CSV writer, streamed: the header, then each row
  with dates in ISO form, None as an empty cell and every cell neutralised.
- `csv_download(rows, headers=…, filename=…)`: the CSV as an attachment, streamed or not.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, TypeVar, overload
from urllib.parse import quote

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse

from .text import for_spreadsheet

CSV = "text/csv; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Response = TypeVar("Response", bound=HttpResponseBase)

UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9 ._()+,-]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def ascii_filename(name: str) -> str:
    """A plain-ASCII name for Content-Disposition's `filename`: accents dropped, anything
    but letters, digits, spaces and ._()+,- made an underscore, at most 150 characters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = UNSAFE_IN_FILENAME.sub("_", plain).strip(" .") or "download"
    return plain[:150]


def content_disposition(name: str, *, from_person: bool = False) -> str:
    fallback = ascii_filename(name)
    header = f'attachment; filename="{fallback}"'
    if from_person or fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def attachment(response: Response, name: str, *, from_person: bool = False) -> Response:
    response["Content-Disposition"] = content_disposition(name, from_person=from_person)
    return response


@overload
def download(content: str | bytes, *, filename: str, content_type: str) -> HttpResponse: ...


@overload
def download(
    content: Iterator[str] | Iterator[bytes], *, filename: str, content_type: str
) -> StreamingHttpResponse: ...


def download(
    content: str | bytes | Iterator[str] | Iterator[bytes],
    *,
    filename: str,
    content_type: str,
) -> HttpResponse | StreamingHttpResponse:
    """The content as an attachment named `filename`: in one piece for text or bytes,
    streamed for an iterator of chunks."""
    response: HttpResponse | StreamingHttpResponse
    if isinstance(content, str | bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    return attachment(response, filename)


def neutralise(value: object) -> object:
    """Text as a spreadsheet cell: without what a spreadsheet cannot hold (control and
    direction characters, tracker.text.for_spreadsheet), and never read as a formula
    (such text is prefixed with a quote). Text is clean when it is stored; this is the
    second line of defence for every CSV and XLSX, whatever reached the database."""
    if isinstance(value, str):
        value = for_spreadsheet(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


class _Echo:
    """A file that hands back what is written to it, so csv.writer yields lines."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else neutralise(value)


def csv_lines(rows: Iterable[Sequence[object]], headers: Sequence[str]) -> Iterator[str]:
    """CSV lines, streamed: the header, then each row with dates in ISO form, None as an
    empty cell and formula-like text neutralised (every CSV the portal serves)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


@overload
def csv_download(
    rows: Iterable[Sequence[object]],
    *,
    headers: Sequence[str],
    filename: str,
    stream: Literal[True] = ...,
) -> StreamingHttpResponse: ...


@overload
def csv_download(
    rows: Iterable[Sequence[object]],
    *,
    headers: Sequence[str],
    filename: str,
    stream: Literal[False],
) -> HttpResponse: ...


def csv_download(
    rows: Iterable[Sequence[object]],
    *,
    headers: Sequence[str],
    filename: str,
    stream: bool = True,
) -> HttpResponse | StreamingHttpResponse:
    """The rows as a CSV attachment: streamed (memory stays flat for a long export), or
    in one piece for a short one."""
    lines = csv_lines(rows, headers)
    if stream:
        return download(lines, filename=filename, content_type=CSV)
    return download("".join(lines), filename=filename, content_type=CSV)
