"""Finding 5: a liaison lead undid a chief of staff's closure by import (export a complete
item's portal page, append a `being-progressed` status, upload, confirm). An import never
changes a closed item's status, whoever imports: by the page, the shell or the service."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.errors import DomainError
from recommendations.models import Status, TimelineEntry, TrackedItem
from tests.recommendations.test_importing import GLOS_5, reports, run_import, upload  # noqa: F401

pytestmark = pytest.mark.django_db
REOPEN = "Reopen it on the item's page"


def on_today() -> str:
    day = dt.date.today().day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix} {dt.date.today():%B %Y}"


def today_line(status: str) -> bytes:
    return f"[on]{on_today()} [status]{status}[/status][/on]".encode()


@pytest.fixture
def complete_item(reports):  # noqa: F811  # the fixture imported above
    code, _, err = run_import(GLOS_5, force="gloucestershire")
    assert code == 0, err
    item = TrackedItem.objects.get()
    assert item.status_id == Status.COMPLETE
    return item


def entries(item):
    return list(TimelineEntry.objects.filter(item=item).values_list("pk", flat=True))


@pytest.mark.parametrize("role", ["liaison-lead", "admin", "inspector"])
def test_the_attack_replayed_through_the_upload_page(client_as, complete_item, role):
    client = client_as(role)
    page = client.get(reverse("recommendations:portal_page", args=[complete_item.pk]))
    assert page.status_code == 200
    before = entries(complete_item)
    response = upload(
        client,
        ("reopen.txt", page.content + today_line("being-progressed")),
        force="gloucestershire",
    )
    assert response.status_code in (400, 403)
    if role != "inspector":  # an inspector may not import at all
        assert REOPEN in html.unescape(response.content.decode())
    complete_item.refresh_from_db()
    assert complete_item.status_id == Status.COMPLETE
    assert entries(complete_item) == before


def test_the_shell_cannot_reopen_either(complete_item, tmp_path):
    page = tmp_path / "reopen.txt"
    page.write_bytes(GLOS_5.read_bytes() + today_line("being-progressed"))
    code, _, err = run_import(page, force="gloucestershire")
    assert code == 1 and REOPEN in err
    complete_item.refresh_from_db()
    assert complete_item.status_id == Status.COMPLETE


def test_the_service_refuses_it_whatever_door_calls_it(complete_item, people):
    entry = services.ImportedEntry(
        date=dt.date.today(), kind="status", value="being-progressed", line=1
    )
    with pytest.raises(DomainError, match=REOPEN):
        services.timeline_import(
            item=complete_item, by=people["admin"], entries=[entry], source="x.txt"
        )
    complete_item.refresh_from_db()
    assert complete_item.status_id == Status.COMPLETE


def test_a_comment_may_still_be_imported_onto_a_closed_item(complete_item):
    """Only status changes are refused: later comments on a closed item still import."""
    more = GLOS_5.read_bytes() + (
        f"[on]{on_today()} [comment]Checked again[/comment][/on]".encode()
    )
    import pathlib
    import tempfile

    path = pathlib.Path(tempfile.mkdtemp()) / "more.txt"
    path.write_bytes(more)
    code, out, err = run_import(path, force="gloucestershire")
    assert code == 0, err
    assert TimelineEntry.objects.filter(item=complete_item, text="Checked again").exists()
