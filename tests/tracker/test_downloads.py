"""tracker.downloads: every file the portal hands out gets the same Content-Disposition,
and every CSV comes from the one writer, its cells neutralised for spreadsheets."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse

from recommendations import services
from recommendations.portal_format import importing
from tests.factories import FindingFactory, make_item
from tracker.downloads import (
    CSV,
    TEXT,
    attachment,
    content_disposition,
    csv_download,
    csv_lines,
    download,
    neutralise,
)

ROOT = Path(__file__).resolve().parents[2]


def read(response: HttpResponse | StreamingHttpResponse) -> str:
    return response.getvalue().decode()


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_name_the_portal_makes_is_given_as_it_is():
    assert content_disposition("recommendations-2025-01-02.csv") == (
        'attachment; filename="recommendations-2025-01-02.csv"'
    )


def test_a_name_with_quotes_or_other_scripts_gets_a_plain_fallback_and_the_exact_name():
    header = content_disposition('plan "v2"; final – Ünïcode.pdf')
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert fallback == "plan _v2__ final  Unicode.pdf"  # the dash has no ASCII form
    assert header.endswith(
        "filename*=UTF-8''plan%20%22v2%22%3B%20final%20%E2%80%93%20%C3%9Cn%C3%AFcode.pdf"
    )
    # No way out of the quoted string, and no line break to forge a header with.
    assert '"' not in fallback and "\n" not in header and "\r" not in header


def test_a_name_a_person_chose_always_carries_the_exact_name_too():
    assert content_disposition("tool.docx", from_person=True) == (
        "attachment; filename=\"tool.docx\"; filename*=UTF-8''tool.docx"
    )


def test_a_name_of_nothing_but_dots_still_names_a_file():
    assert content_disposition("...").startswith('attachment; filename="download"')


def test_attachment_sets_the_header_on_any_response():
    response = attachment(HttpResponse("x"), "a b.txt")
    assert response["Content-Disposition"] == 'attachment; filename="a b.txt"'


def test_text_is_one_response_and_an_iterator_is_streamed():
    whole = download("hello\n", filename="page.txt", content_type=TEXT)
    assert isinstance(whole, HttpResponse)
    assert whole["Content-Type"] == "text/plain; charset=utf-8"
    assert whole["Content-Disposition"] == 'attachment; filename="page.txt"'
    assert whole.content == b"hello\n"
    streamed = download(iter(["a,", "b\n"]), filename="x.csv", content_type=CSV)
    assert isinstance(streamed, StreamingHttpResponse)
    assert read(streamed) == "a,b\n"
    assert streamed["Content-Disposition"] == 'attachment; filename="x.csv"'


@pytest.mark.parametrize(
    "value,cell",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("a plain note", "a plain note"),
        (-2, -2),  # a number is a number, not text a spreadsheet would run
    ],
)
def test_formula_like_text_is_neutralised(value, cell):
    assert neutralise(value) == cell


def test_text_a_spreadsheet_cannot_hold_is_dropped_before_the_formula_check():
    assert neutralise("\u202e=cmd") == "'=cmd"


def test_the_csv_writer_writes_iso_dates_empty_nones_and_neutral_cells():
    rows = [
        [dt.date(2025, 1, 2), None, "=1+1", 5, 'quote " and, comma'],
        [dt.datetime(2025, 1, 2, 9, 30), "", "ok", 0, "line\nbreak"],
    ]
    lines = list(csv_lines(rows, ["day", "none", "formula", "number", "text"]))
    assert len(lines) == 3  # streamed: one string a row, header first
    assert parsed("".join(lines)) == [
        ["day", "none", "formula", "number", "text"],
        ["2025-01-02", "", "'=1+1", "5", 'quote " and, comma'],
        ["2025-01-02T09:30:00", "", "ok", "0", "line\nbreak"],
    ]


def test_csv_download_streams_unless_asked_not_to():
    streamed = csv_download([["=x"]], headers=["h"], filename="a.csv")
    whole = csv_download([["=x"]], headers=["h"], filename="a.csv", stream=False)
    assert isinstance(streamed, StreamingHttpResponse) and isinstance(whole, HttpResponse)
    for response in (streamed, whole):
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="a.csv"'
        assert parsed(read(response)) == [["h"], ["'=x"]]


@pytest.mark.django_db
def test_every_csv_door_neutralises_and_names_its_file(client_as, people, today):
    finding = FindingFactory()
    item = make_item(force="gloucestershire", finding=finding)
    services.owner_set(
        item=item,
        by=people["admin"],
        owner_name="=cmd|' /C calc'!A0",
        owner_rank="",
        owner_department="",
        target_date=None,
        version=item.version,
    )
    client = client_as("inspector")
    name = importing.export_filename(item).removesuffix(".txt")
    doors = {
        reverse("recommendations:export_csv"): f"recommendations-{today.isoformat()}.csv",
        reverse("recommendations:finding_export", args=[finding.pk]): (
            f"finding-{finding.pk}-{today.isoformat()}.csv"
        ),
        reverse("recommendations:history_csv", args=[item.pk]): f"{name}-history.csv",
    }
    for url, filename in doors.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"', url
        cells = [c for row in parsed(read(response)) for c in row]
        assert not any(c.startswith(("=", "+", "@")) for c in cells), url
        assert any(c.startswith("'=cmd") for c in cells), url


def test_no_code_but_the_kernel_sets_content_disposition_or_writes_csv():
    """Every download is built by tracker.downloads: no other module sets the header or
    makes a csv.writer (devdata writes seed files, not downloads)."""
    found = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "node_modules", "tests", "build", "devdata"}:
            continue
        if path == ROOT / "tracker" / "downloads.py":
            continue
        text = path.read_text(encoding="utf-8")
        if '["Content-Disposition"] =' in text or "csv.writer(" in text:
            found.append(str(path.relative_to(ROOT)))
    assert found == []
