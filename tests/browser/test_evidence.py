"""Evidence in a real browser: a liaison officer attaches files to a progress update with
the plain multiple file input, the item page lists them with their SHA-256 and marking,
a download gives the same bytes, a refused file names itself, and axe finds nothing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from evidence.models import Evidence
from tests.browser.conftest import run_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CSV = b"force,action,done\ngloucestershire,mapping transferred to the ROCU,yes\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


def widths(page, shots, name):
    for width in (320, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        shots(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_officer_attaches_files_and_the_item_page_lists_them(open_as, story, shots, tmp_path):
    item = story["fresh"]
    (tmp_path / "action-plan.pdf").write_bytes(PDF)
    (tmp_path / "progress.csv").write_bytes(CSV)
    page = open_as("officer.glos", bypass_csp=True).page  # so axe can be injected
    page.goto(f"/recommendations/{item.pk}/")
    page.get_by_role("link", name="Add a progress update").click()
    form = page.locator("form[enctype='multipart/form-data']")
    expect(form).to_have_count(1)
    files = page.get_by_label("Evidence files (optional)")
    expect(files).to_have_attribute("multiple", "")
    assert run_axe(page) == []
    widths(page, shots, "upload-form")
    page.get_by_label("Progress update").fill("The mapping has moved to the regional unit.")
    files.set_input_files([str(tmp_path / "action-plan.pdf"), str(tmp_path / "progress.csv")])
    page.get_by_label("OFFICIAL-SENSITIVE").check()
    page.get_by_role("button", name="Add progress update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress update added"
    )
    evidence = page.locator("#evidence ~ .govuk-summary-card")
    expect(evidence).to_have_count(2)
    stored = {e.name: e for e in Evidence.objects.filter(item=item)}
    assert set(stored) == {"action-plan.pdf", "progress.csv"}
    assert stored["action-plan.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    expect(page.locator(".app-hash").first).to_have_text(hashlib.sha256(PDF).hexdigest())
    expect(page.locator("#evidence ~ .govuk-summary-card").first).to_contain_text(
        "OFFICIAL-SENSITIVE"
    )
    expect(page.locator("#evidence ~ .govuk-summary-card").first).to_contain_text(
        "6 years after closure"
    )
    assert run_axe(page) == []
    widths(page, shots, "item-evidence")
    page.locator("#evidence").scroll_into_view_if_needed()
    shots(page, "item-evidence-section")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download\s+action-plan\.pdf")).click()
    download = download_info.value
    assert download.suggested_filename == "action-plan.pdf"
    assert Path(download.path()).read_bytes() == PDF


def test_a_refused_file_is_named_and_nothing_is_kept(open_as, story, shots, tmp_path):
    item = story["fresh"]
    (tmp_path / "minutes.pdf").write_bytes(EXE)
    page = open_as("officer.glos", bypass_csp=True).page  # so axe can be injected
    page.goto(f"/recommendations/{item.pk}/progress-update/")
    page.get_by_label("Progress update").fill("Minutes attached.")
    page.get_by_label("Evidence files (optional)").set_input_files(str(tmp_path / "minutes.pdf"))
    page.get_by_role("button", name="Add progress update").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("minutes.pdf is not a file type the portal accepts")
    assert Evidence.objects.count() == 0
    assert run_axe(page) == []
    widths(page, shots, "upload-refused")


def test_an_administrator_removes_a_file_and_its_tombstone_shows(open_as, story, people, shots):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.checks import inspect
    from recommendations import services
    from recommendations.policy import Action

    item = story["fresh"]
    services.comment_add(
        item=item,
        by=people["officer.glos"],
        text="Minutes attached",
        action=Action.PROGRESS_UPDATE,
        files=[inspect(SimpleUploadedFile("minutes.pdf", PDF), max_bytes=10**6)],
    )
    evidence = Evidence.objects.get()
    page = open_as("admin", bypass_csp=True).page  # so axe can be injected
    page.goto(f"/recommendations/{item.pk}/")
    page.get_by_role("link", name=re.compile(r"^Remove\s+minutes\.pdf")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove evidence")
    assert run_axe(page) == []
    page.get_by_role("button", name="Remove the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are removing it")
    assert run_axe(page) == []
    shots(page, "remove-errors")
    page.get_by_label("Why you are removing it").fill("Holds the names of junior staff")
    page.get_by_role("button", name="Remove the file").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("was removed")
    expect(page.locator("#evidence ~ .govuk-summary-card")).to_contain_text(
        "Holds the names of junior staff"
    )
    expect(page.locator(".moj-timeline")).to_contain_text(f"SHA-256 {evidence.sha256}")
    assert run_axe(page) == []
    shots(page, "item-with-tombstone")
    response = page.goto(f"/recommendations/{item.pk}/evidence/{evidence.pk}/")
    assert response.status == 404
