"""The list's exports (issues 25 and 26): the old columns keep their names and order,
`text`, `latest_update`, `first_target_date` and `target_date_moves` are appended at the
end, both flags are written `yes`/`no`, the workbook's links are real hyperlinks, and
the finding's own CSV gains the same columns at its end. No query per row."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from recommendations import exports, services
from recommendations.models import TimelineEntry, TrackedItem
from recommendations.views.findings import CSV_HEADERS
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db

CSV = reverse("recommendations:export_csv")
XLSX = reverse("recommendations:export_xlsx")
OLD = [
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
NEW = ["text", "latest_update", "first_target_date", "target_date_moves"]
FINDING_OLD = [
    "force",
    "region",
    "portal_id",
    "status",
    "last_update",
    "days_since_update",
    "stale",
    "overdue",
    "owner",
    "target_date",
    "liaison_lead",
    "open_proposal",
    "proposal_verified_by",
    "url",
]


def csv_dicts(client, query="status=all"):
    body = b"".join(client.get(f"{CSV}?{query}").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def by_id(rows):
    return {int(r["url"].rstrip("/").rsplit("/", 1)[-1]): r for r in rows}


@pytest.fixture
def items(people):
    lead = people["liaison-lead"]
    talked = make_item(force="gloucestershire")
    services.comment_add(item=talked, by=lead, text="Seen the plan.", visibility="public")
    services.comment_add(item=talked, by=lead, text="=Draft: names of staff", visibility="internal")
    quiet = make_item(force="gloucestershire")
    TrackedItem.objects.filter(pk=talked.pk).update(
        first_target_date=dt.date(2020, 1, 31),
        target_date=dt.date(2020, 6, 30),
        target_date_moves=2,
    )
    return TrackedItem.objects.get(pk=talked.pk), quiet


def test_old_columns_keep_their_order_and_the_new_ones_follow(client_as, items):
    # issue 28 appended the recipient's kind to the list's exports
    assert exports.HEADERS == OLD + NEW + ["recipient_kind"]
    header, _ = csv_dicts(client_as("inspector"))
    assert header == OLD + NEW + ["recipient_kind"]
    sheet = load_workbook(io.BytesIO(client_as("inspector").get(XLSX).content)).active
    assert [c.value for c in sheet[1]] == OLD + NEW + ["recipient_kind"]
    assert CSV_HEADERS == FINDING_OLD + NEW + ["recipient_kind"]


def test_the_findings_export_names_each_recipients_kind(client_as, people):
    """A finding's copies across every recipient (issue 28): the CSV's last column says
    what the `force` column names."""
    finding = FindingFactory()
    police = make_item(force="gloucestershire", finding=finding)
    college = make_item(force="college-of-policing", finding=finding)
    url = reverse("recommendations:finding_export", args=[finding.pk])
    body = b"".join(client_as("inspector").get(url).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    kinds = {r["url"].rstrip("/").rsplit("/", 1)[-1]: r["recipient_kind"] for r in rows}
    assert kinds == {str(police.pk): "force", str(college.pk): "national-body"}


def test_text_latest_update_and_the_target_date_history(client_as, items):
    talked, quiet = items
    _, rows = csv_dicts(client_as("inspector"))
    rows = by_id(rows)
    assert rows[talked.pk]["text"] == talked.finding.text
    # the newest comment, internal here: the list's people see the whole timeline
    assert rows[talked.pk]["latest_update"] == "'=Draft: names of staff"  # neutralised
    assert rows[talked.pk]["first_target_date"] == "2020-01-31"
    assert rows[talked.pk]["target_date_moves"] == "2"
    assert rows[quiet.pk]["latest_update"] == ""
    assert rows[quiet.pk]["first_target_date"] == ""
    assert rows[quiet.pk]["target_date_moves"] == "0"


def test_both_flags_are_yes_or_no(client_as, items, people):
    talked, quiet = items
    with_old_date = make_item(force="gloucestershire", on=dt.date(2019, 1, 1))
    progressed(with_old_date, people["admin"])
    TrackedItem.objects.filter(pk=with_old_date.pk).update(last_entry_on=dt.date(2019, 1, 1))
    _, rows = csv_dicts(client_as("inspector"))
    rows = by_id(rows)
    assert rows[talked.pk]["overdue"] == "yes"  # open, target date in 2020
    assert rows[quiet.pk]["overdue"] == "no"
    assert rows[with_old_date.pk]["stale"] == "yes"
    assert {r[f] for r in rows.values() for f in ("stale", "overdue")} == {"yes", "no"}


def test_the_workbooks_links_are_hyperlinks_and_match_the_csv(client_as, items):
    client = client_as("inspector")
    sheet = load_workbook(io.BytesIO(client.get(XLSX, {"status": "all"}).content)).active
    url_col = OLD.index("url") + 1
    links = []
    for row in sheet.iter_rows(min_row=2):
        cell = row[url_col - 1]
        assert cell.hyperlink is not None and cell.hyperlink.target == cell.value
        assert cell.value.startswith("http://testserver/recommendations/")
        links.append(cell.value)
    _, rows = csv_dicts(client)
    assert links == [r["url"] for r in rows]
    headers = [c.value for c in sheet[1]]
    moves = [r[headers.index("target_date_moves")].value for r in sheet.iter_rows(min_row=2)]
    assert sorted(moves) == [0, 2]
    first = [r[headers.index("first_target_date")].value for r in sheet.iter_rows(min_row=2)]
    assert dt.datetime(2020, 1, 31) in first  # a real date, as target_date


def test_a_text_longer_than_an_excel_cell_is_cut_to_fit(client_as, people):
    item = make_item(force="gloucestershire")
    TimelineEntry.objects.create(
        item=item,
        date=item.last_entry_on,
        position=99,
        kind="comment",
        text="word " * 8000,
        author=people["liaison-lead"],
        event="comment",
        visibility="internal",
    )
    sheet = load_workbook(io.BytesIO(client_as("inspector").get(XLSX).content)).active
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("latest_update") + 1).value
    assert len(cell) == exports.XLSX_CELL_MAX and cell.endswith("…")


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_no_query_per_row_with_comments(client_as, people, url):
    client = client_as("inspector")
    client.get("/")
    report = ReportFactory()

    def more(n):
        for _ in range(n):
            item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
            services.comment_add(
                item=item, by=people["liaison-lead"], text="Noted.", visibility="public"
            )

    more(3)
    few = count(client, url)
    more(30)
    assert count(client, url) == few


def test_the_findings_csv_gains_the_same_columns_at_its_end(client_as, people):
    finding = FindingFactory(report=ReportFactory(), number=5)
    glos = make_item(force="gloucestershire", finding=finding)
    services.comment_add(
        item=glos, by=people["liaison-lead"], text="Plan agreed.", visibility="public"
    )
    TrackedItem.objects.filter(pk=glos.pk).update(
        first_target_date=dt.date(2021, 3, 1), target_date_moves=1
    )
    body = b"".join(
        client_as("inspector")
        .get(reverse("recommendations:finding_export", args=[finding.pk]))
        .streaming_content
    ).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == FINDING_OLD + NEW + ["recipient_kind"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["text"] == finding.text
    assert row["latest_update"] == "Plan agreed."
    assert row["first_target_date"] == "2021-03-01" and row["target_date_moves"] == "1"
    assert row["stale"] == "no" and row["overdue"] == "no" and row["open_proposal"] == "no"
