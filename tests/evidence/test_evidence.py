"""Evidence files: attached with progress updates, comments and closure proposals;
checked from their content; stored under random names; downloaded only within scope;
removed only by administrators, leaving a tombstone; kept until their review date."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence import services as evidence_services
from evidence.checks import Refused, check_name, inspect
from evidence.models import Evidence
from recommendations import services
from recommendations.models import Status, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tests.evidence.conftest import (
    ACCEPTED,
    EXE,
    PDF,
    PNG,
    REFUSED_LEGACY_OFFICE,
    REFUSED_TYPES,
    stored_files,
    upload,
)
from tests.factories import make_item

pytestmark = pytest.mark.django_db


def action_url(item, action):
    return reverse("recommendations:action", args=[item.pk, action])


def post_update(client, item, *files, marking="OFFICIAL", text="Action plan agreed"):
    data = {"text": text, "marking": marking}
    if files:
        data["files"] = [upload(name, content) for name, content in files]
    return client.post(action_url(item, "progress-update"), data)


def entries(item):
    return TimelineEntry.objects.filter(item=item).count()


# The checks, file by file ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_every_allowed_type_is_accepted_and_judged_from_its_content(name):
    content, expected = ACCEPTED[name]
    checked = inspect(upload(name, content), max_bytes=1024 * 1024)
    assert checked.content_type == expected
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)
    # The name does not decide: the same content under another name is the same type
    # (text apart, which is CSV when named so).
    if not expected.startswith("text/"):
        assert inspect(upload("renamed.bin", content), max_bytes=10**6).content_type == expected


@pytest.mark.parametrize("name", sorted(REFUSED_TYPES))
def test_a_type_outside_the_allow_list_is_refused_naming_the_file(name):
    with pytest.raises(Refused) as refused:
        inspect(upload(name, REFUSED_TYPES[name]), max_bytes=10**6)
    assert refused.value.message.startswith(f"{name} is not a file type the portal accepts")


@pytest.mark.parametrize("name", sorted(REFUSED_LEGACY_OFFICE))
def test_office_97_2003_files_are_refused_by_their_magic_naming_the_file(name):
    """Not on the list since issue 23 (and a password-protected Office file is one too):
    refused from the first bytes, without reading the compound file's chains."""
    with pytest.raises(Refused) as refused:
        inspect(upload(name, REFUSED_LEGACY_OFFICE[name]), max_bytes=10**6)
    assert refused.value.message.startswith(f"{name} is an Office 97-2003 file")
    assert "save it as .docx, .xlsx or .pptx" in refused.value.message


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.pdf", b"", "empty.pdf is empty"),
        ("big.pdf", PDF + b" " * 2000, "big.pdf is larger than"),
    ],
)
def test_empty_and_too_large_files_are_refused_naming_the_file(name, content, message):
    with pytest.raises(Refused) as refused:
        inspect(upload(name, content), max_bytes=1000)
    assert message in refused.value.message


@pytest.mark.parametrize(
    "name,message",
    [
        ("../../etc/passwd.txt", "../../etc/passwd.txt: the name must not contain a folder"),
        ("C:\\Users\\me\\plan.pdf", "must not contain a folder"),
        ("C:plan.pdf", "must not contain a folder"),
        ("..", "must not contain a folder"),
        ("plan\x07.pdf", "plan?.pdf: the name has a control character"),
        ("invoice\u202efdp.exe", "the name has a control character"),
        ("", "A file has no name"),
        ("a" * 300 + ".pdf", "must be 255 characters or fewer"),
    ],
)
def test_names_with_path_parts_or_control_characters_are_refused(name, message):
    """Every door checks the name as it came (the API passes it as sent; the page's
    multipart parser already keeps only a name's last part and drops unprintable
    characters, which these checks then see clean)."""
    with pytest.raises(Refused) as refused:
        check_name(name)
    assert message in refused.value.message


def test_a_name_is_kept_for_display_only(client_as, settings):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ("../../../etc/cron.d/x.pdf", PDF))
    evidence = Evidence.objects.get()
    assert evidence.name == "x.pdf"  # what the browser's parser keeps: the last part
    assert "x.pdf" not in evidence.storage_name
    assert all(p.name != "x.pdf" for p in stored_files(settings))


# Uploading through the forms ----------------------------------------------------------


def test_a_liaison_officer_attaches_files_to_a_progress_update(client_as, people, settings):
    item = make_item(force="gloucestershire")
    response = post_update(
        client_as("liaison-officer"),
        item,
        ("action-plan.pdf", PDF),
        ("chart.png", PNG),
        marking="OFFICIAL-SENSITIVE",
    )
    assert response.status_code == 302
    files = list(Evidence.objects.filter(item=item).order_by("id"))
    assert [f.name for f in files] == ["action-plan.pdf", "chart.png"]
    entry = TimelineEntry.objects.filter(item=item).latest("id")
    assert {f.entry_id for f in files} == {entry.pk}
    assert all(f.marking == "OFFICIAL-SENSITIVE" for f in files)
    assert all(f.uploaded_by == people["liaison-officer"] for f in files)
    assert [f.content_type for f in files] == ["application/pdf", "image/png"]
    # Stored under random names, never the uploaded one, with a history row each.
    for f in files:
        assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}", f.storage_name)
        assert f.history.count() == 1
    assert len(stored_files(settings)) == 2
    assert files[0].retain_until is None


def test_a_liaison_lead_attaches_files_to_a_comment_and_a_closure_proposal(client_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    client = client_as("liaison-lead")
    comment = client.post(
        action_url(item, "comment"),
        {"text": "Reviewed", "visibility": "internal", "files": [upload("notes.txt", b"ok\n")]},
    )
    assert comment.status_code == 302
    proposal = client.post(
        action_url(item, "propose-closure"),
        {
            "reason": "The force has met it",
            "verified_by": "documents",
            "files": [upload("audit.csv", b"a,b\n1,2\n")],
            "marking": "OFFICIAL",
        },
    )
    assert proposal.status_code == 302
    assert sorted(Evidence.objects.filter(item=item).values_list("name", flat=True)) == [
        "audit.csv",
        "notes.txt",
    ]
    # The chief of staff deciding sees them on the item page.
    page = client_as("chief-of-staff").get(reverse("recommendations:item", args=[item.pk]))
    assert "audit.csv" in page.content.decode() and "notes.txt" in page.content.decode()


def test_the_action_forms_carry_the_contract_fields_and_multipart(client_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    for role, action in [
        ("liaison-officer", "progress-update"),
        ("liaison-lead", "comment"),
        ("liaison-lead", "propose-closure"),
    ]:
        html = client_as(role).get(action_url(item, action)).content.decode()
        assert 'enctype="multipart/form-data"' in html, action
        assert re.search(
            r'<input[^>]*type="file"[^>]*name="files"[^>]*multiple', html
        ) or re.search(r'<input[^>]*name="files"[^>]*type="file"[^>]*multiple', html), action
        assert 'name="marking" type="radio" value="OFFICIAL"' in html or (
            'value="OFFICIAL"' in html and 'value="OFFICIAL-SENSITIVE"' in html
        )


def test_a_refused_file_keeps_nothing_of_the_update_and_names_the_file(client_as, settings):
    item = make_item(force="gloucestershire")
    before = (entries(item), item.history.count())
    response = post_update(
        client_as("liaison-officer"), item, ("fine.pdf", PDF), ("policy.pdf", EXE)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "policy.pdf is not a file type the portal accepts" in html
    assert (entries(item), item.history.count()) == before
    assert Evidence.objects.count() == 0 and stored_files(settings) == []


def test_too_many_files_are_refused(client_as, settings):
    settings.EVIDENCE_MAX_FILES = 2
    item = make_item(force="gloucestershire")
    response = post_update(
        client_as("liaison-officer"),
        item,
        *[(f"page-{n}.txt", b"text\n") for n in range(3)],
    )
    assert response.status_code in (400, 413)
    assert "Select at most 2 files at once" in response.content.decode()
    assert entries(item) == 1 and Evidence.objects.count() == 0 and stored_files(settings) == []


def test_a_file_too_large_is_refused_as_it_streams_in(client_as, settings):
    settings.EVIDENCE_MAX_BYTES = 4096
    item = make_item(force="gloucestershire")
    response = post_update(client_as("liaison-officer"), item, ("huge.txt", b"a" * (200 * 1024)))
    assert response.status_code == 413
    assert "huge.txt is larger than" in response.content.decode()
    assert entries(item) == 1 and Evidence.objects.count() == 0


def test_a_body_declaring_more_than_the_files_could_be_is_refused_unread(client_as, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    settings.EVIDENCE_MAX_FILES = 1
    item = make_item(force="gloucestershire")
    client = client_as("liaison-officer")
    body = b"x" * (3 * 1024 * 1024)
    response = client.generic(
        "POST",
        action_url(item, "progress-update"),
        body,
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert response.status_code == 413
    assert "The files together are larger than" in response.content.decode()
    assert entries(item) == 1


def test_an_empty_file_is_refused_naming_it(client_as, settings):
    item = make_item(force="gloucestershire")
    response = post_update(client_as("liaison-officer"), item, ("blank.pdf", b""))
    assert response.status_code == 400
    assert "blank.pdf is empty" in response.content.decode()
    assert entries(item) == 1


def test_a_wrong_marking_is_refused(client_as):
    item = make_item(force="gloucestershire")
    response = post_update(client_as("liaison-officer"), item, ("a.pdf", PDF), marking="SECRET")
    assert response.status_code == 400
    assert "Choose the marking" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_when_storing_fails_nothing_of_the_entry_remains(client_as, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "evidence"},
        },
    }
    item = make_item(force="gloucestershire")
    response = post_update(client_as("liaison-officer"), item, ("a.pdf", PDF), ("b.png", PNG))
    assert response.status_code == 400
    assert "a.pdf could not be stored just now, so nothing was saved" in response.content.decode()
    assert entries(item) == 1 and Evidence.objects.count() == 0


def test_a_later_file_failing_deletes_the_files_already_stored(people, settings, tmp_path):
    """The service, called directly: the second file's row breaks a database rule, so the
    first file's stored content is deleted too, and the transaction rolls back."""
    item = make_item(force="gloucestershire")
    good = inspect(upload("a.pdf", PDF), max_bytes=10**6)
    bad = inspect(upload("b.pdf", PDF), max_bytes=10**6)
    bad = type(bad)(bad.file, bad.name, bad.size, "application/x-msdownload", bad.sha256)
    with pytest.raises(IntegrityError):
        services.comment_add(
            item=item,
            by=people["liaison-officer"],
            text="Two files",
            action=services.common.Action.PROGRESS_UPDATE,
            files=[good, bad],
        )
    assert stored_files(settings) == [] and entries(item) == 1


# The item page and downloads -----------------------------------------------------------


def test_the_item_page_shows_each_file_with_its_sha256_equal_to_the_stored_file(
    client_as, settings
):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ("minutes.pdf", PDF))
    evidence = Evidence.objects.get(item=item)
    stored = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"]) / evidence.storage_name
    digest = hashlib.sha256(stored.read_bytes()).hexdigest()
    html = client_as("inspector").get(reverse("recommendations:item", args=[item.pk])).content
    html = html.decode()
    assert digest == evidence.sha256 == digest.lower()
    assert digest in html
    for shown in ("minutes.pdf", "PDF", "OFFICIAL", "6 years after closure", "Evidence"):
        assert shown in html
    # The timeline entry links to the download.
    assert reverse("evidence:download", args=[item.pk, evidence.pk]) in html


def test_download_headers(client_as):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ('plan "v2"; final.pdf', PDF))
    evidence = Evidence.objects.get(item=item)
    response = client_as("chief-of-staff").get(
        reverse("evidence:download", args=[item.pk, evidence.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="plan _v2__ final.pdf"')
    assert "filename*=UTF-8''plan%20%22v2%22%3B%20final.pdf" in disposition


def test_a_file_of_another_item_is_not_found_through_this_item(client_as):
    mine = make_item(force="gloucestershire")
    other = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), mine, ("a.pdf", PDF))
    evidence = Evidence.objects.get()
    url = reverse("evidence:download", args=[other.pk, evidence.pk])
    assert client_as("admin").get(url).status_code == 404


def test_no_evidence_route_under_media_and_files_never_under_static(client_as, settings):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ("a.pdf", PDF))
    evidence = Evidence.objects.get()
    root = Path(settings.MEDIA_ROOT)
    assert "static" not in root.parts
    client = client_as("admin")
    for guess in (f"/media/evidence/{evidence.storage_name}", f"/evidence/{evidence.storage_name}"):
        assert client.get(guess).status_code == 404


# Removal -------------------------------------------------------------------------------


def test_an_administrator_removes_a_file_leaving_a_tombstone(
    client_as, people, settings, django_capture_on_commit_callbacks
):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ("names.pdf", PDF))
    evidence = Evidence.objects.get()
    remove_url = reverse("evidence:remove", args=[item.pk, evidence.pk])
    admin = client_as("admin")
    assert admin.get(remove_url).status_code == 200
    assert admin.post(remove_url, {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(remove_url, {"reason": "Holds the names of junior staff"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.removed_by == people["admin"] and evidence.removed_at is not None
    assert stored_files(settings) == []
    # The download is gone; the tombstone is on the timeline, the page and the history.
    download = reverse("evidence:download", args=[item.pk, evidence.pk])
    assert admin.get(download).status_code == 404
    tombstone = evidence.removal_entry
    assert "names.pdf" in tombstone.text and evidence.sha256 in tombstone.text
    assert "Holds the names of junior staff" in tombstone.text
    page = admin.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert "names.pdf (removed)" in page and evidence.sha256 in page
    assert [h.history_change_reason for h in evidence.history.order_by("history_id")] == [
        "Evidence added: names.pdf",
        "Evidence removed: Holds the names of junior staff",
    ]
    # A second removal is refused.
    assert admin.post(remove_url, {"reason": "again"}).status_code == 409


@pytest.mark.parametrize("role", ["liaison-officer", "liaison-lead", "chief-of-staff", "inspector"])
def test_nobody_but_an_administrator_removes_evidence(client_as, role, settings):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ("a.pdf", PDF))
    evidence = Evidence.objects.get()
    url = reverse("evidence:remove", args=[item.pk, evidence.pk])
    client = client_as(role)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "No"}).status_code == 403
    evidence.refresh_from_db()
    assert not evidence.removed and len(stored_files(settings)) == 1


def test_the_database_refuses_deleting_or_rewriting_evidence(client_as):
    item = make_item(force="gloucestershire")
    post_update(client_as("liaison-officer"), item, ("a.pdf", PDF))
    evidence = Evidence.objects.get()
    with pytest.raises(InternalError, match="never deleted"), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).delete()
    with pytest.raises(InternalError, match="changes only"), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(
            removed_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        )


# Retention -----------------------------------------------------------------------------


def test_retention_starts_when_the_item_closes_and_the_review_lists_it(client_as, people, today):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    post_update(client_as("liaison-officer"), item, ("a.pdf", PDF))
    evidence = Evidence.objects.get()
    assert evidence.retain_until is None
    services.closure_propose(
        item=item, by=people["liaison-lead"], reason="Met", verified_by="documents"
    )
    services.closure_authorise(item=item, by=people["chief-of-staff"])
    evidence.refresh_from_db()
    assert TrackedItem.objects.get(pk=item.pk).status_id == Status.COMPLETE
    expected = evidence_services.add_years(today, 6)
    assert evidence.retain_until == expected
    page = client_as("inspector").get(reverse("recommendations:item", args=[item.pk]))
    assert f"Review on {expected.day} {expected:%B %Y}" in page.content.decode()

    out = io.StringIO()
    call_command("evidence_review", "--due-before", expected.isoformat(), stdout=out)
    assert "a.pdf" in out.getvalue() and "1 file due for review" in out.getvalue()
    out = io.StringIO()
    call_command("evidence_review", stdout=out)
    assert "0 files due for review" in out.getvalue()
    with pytest.raises(CommandError, match="--due-before must be a date"):
        call_command("evidence_review", "--due-before", "31/03/2031")


def test_a_file_added_to_a_closed_item_gets_its_review_date(client_as, people, today):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    services.no_further_action(item=item, by=people["liaison-lead"], reason="Superseded")
    response = client_as("liaison-lead").post(
        action_url(item, "comment"),
        {"text": "Later evidence", "visibility": "internal", "files": [upload("a.pdf", PDF)]},
    )
    assert response.status_code == 302
    assert Evidence.objects.get().retain_until == evidence_services.add_years(today, 6)


def test_add_years_on_the_29th_of_february():
    assert evidence_services.add_years(dt.date(2028, 2, 29), 6) == dt.date(2034, 2, 28)


# The security log and the page's query budget ------------------------------------------


def test_adding_and_removing_evidence_are_security_events(
    client_as, caplog, django_capture_on_commit_callbacks
):
    item = make_item(force="gloucestershire")
    with (
        caplog.at_level(logging.INFO, logger="tracker.security"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        post_update(client_as("liaison-officer"), item, ("a.pdf", PDF))
        evidence = Evidence.objects.get()
        client_as("admin").post(
            reverse("evidence:remove", args=[item.pk, evidence.pk]), {"reason": "Wrong file"}
        )
    events = [getattr(r, "event", None) or r.getMessage() for r in caplog.records]
    text = " ".join(str(e) for e in events)
    assert "evidence-added" in text and "evidence-removed" in text


def test_item_page_query_budget_with_50_files(client_as, people):
    item = make_item(force="gloucestershire")
    officer = people["liaison-officer"]
    few = make_item(force="gloucestershire")
    checked = [inspect(upload(f"file-{n}.pdf", PDF), max_bytes=10**6) for n in range(10)]
    for _ in range(5):
        services.comment_add(
            item=item,
            by=officer,
            text="Ten files",
            action=services.common.Action.PROGRESS_UPDATE,
            files=checked,
        )
    services.comment_add(
        item=few,
        by=officer,
        text="One file",
        action=services.common.Action.PROGRESS_UPDATE,
        files=checked[:1],
    )
    assert Evidence.objects.filter(item=item).count() == 50
    client = client_as("inspector")

    def count(target):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("recommendations:item", args=[target.pk]))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    client.get(reverse("recommendations:dashboard"))  # the session's first save, not counted
    one, _ = count(few)
    fifty, html = count(item)
    assert fifty == one
    assert fifty <= 20
    assert html.count("file-9.pdf") >= 5


def test_evidence_is_never_public_nor_in_the_portal_page_or_open_data(client_as, people, client):
    """A public comment with a file: the comment is published, its file is not."""
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    response = client_as("liaison-lead").post(
        action_url(item, "comment"),
        {
            "text": "Public comment with evidence",
            "visibility": "public",
            "files": [upload("secret-minutes.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    evidence = Evidence.objects.get()
    pages = [reverse("recommendations:portal_page", args=[item.pk])]
    internal = client_as("inspector")
    public_urls = [
        "/monitoring/",
        "/monitoring/data.csv",
        "/monitoring/data.json",
        f"/monitoring/{item.force.slug}/",
    ]
    if item.portal_id:
        public_urls += [
            f"/monitoring/{item.force.slug}/{item.portal_id}/",
            f"/monitoring/{item.force.slug}/{item.portal_id}/portal-page.txt",
        ]
    seen = 0
    for url in pages:
        body = internal.get(url).content.decode()
        assert "Public comment with evidence" in body
        assert "secret-minutes.pdf" not in body and evidence.sha256 not in body
        seen += 1
    for url in public_urls:
        answer = client.get(url)
        if answer.status_code != 200:
            continue
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        text = body.decode()
        assert "secret-minutes.pdf" not in text and "/evidence/" not in text, url
        seen += 1
    assert seen >= 1


def test_the_forms_that_carry_files_still_check_csrf(people):
    """The action view reads the body only after the upload limits are in place, and then
    checks the CSRF token as every other form does."""
    from django.test import Client

    from tests.conftest import sign_in

    item = make_item(force="gloucestershire")
    client = sign_in(Client(enforce_csrf_checks=True), people["liaison-officer"])
    response = client.post(
        action_url(item, "progress-update"),
        {"text": "No token", "files": [upload("a.pdf", PDF)]},
    )
    assert response.status_code == 403
    assert entries(item) == 1 and Evidence.objects.count() == 0


def test_signed_out_people_are_sent_to_sign_in(client):
    item = make_item(force="gloucestershire")
    for name in ("evidence:download", "evidence:remove"):
        response = client.get(reverse(name, args=[item.pk, 1]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
