"""Every change goes through the same policy and services, whatever the door: the
upload and the shell import, the action forms, and the domain errors they show. One
test per finding of the one-door review; each failed before the fix."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from recommendations import errors, services
from recommendations.models import (
    ClosureProposal,
    PendingImport,
    Status,
    TimelineEntry,
    TrackedItem,
)
from recommendations.portal_format import importing
from recommendations.uploads import LimitedUploadHandler
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return ReportFactory(slug="peel-2016-national")


def page_of(item):
    return importing.item_page_text(TrackedItem.objects.get(pk=item.pk))


def on(day: dt.date) -> str:
    return f"{day.day}th {day:%B %Y}"


def upload(client, *files, report="peel-2016-national", force=""):
    handles = []
    for name, content in files:
        handle = io.BytesIO(content.encode() if isinstance(content, str) else content)
        handle.name = name
        handles.append(handle)
    return client.post(
        reverse("recommendations:import"), {"report": report, "force": force, "files": handles}
    )


def confirm(client, response):
    pending = response.context["pending"] if response.context else None
    return client.post(
        reverse("recommendations:import_confirm"),
        {"import_id": str(pending.pk) if pending else ""},
    )


def state(item):
    item = TrackedItem.objects.get(pk=item.pk)
    return (
        item.status_id,
        item.version,
        TimelineEntry.objects.filter(item=item).count(),
        item.history.count(),
    )


def test_import_refuses_a_page_for_a_force_outside_scope(client_as, report, today):
    west_midlands = make_item(force="west-midlands", finding=FindingFactory(report=report))
    progressed(west_midlands, services_lead(west_midlands))
    before = state(west_midlands)
    page = page_of(west_midlands) + f"\n\n[on]{on(today)} [status]complete[/status][/on]"
    client = client_as("liaison-lead")  # acts for Gloucestershire only
    response = upload(client, ("wmp.txt", page))
    html = response.content.decode()
    assert response.status_code == 400
    assert "wmp.txt:1: you do not act for West Midlands Police" in html
    assert confirm(client, response).status_code == 302  # nothing to confirm
    assert state(west_midlands) == before


def test_import_cannot_create_an_item_for_another_force(client_as, report):
    page = (
        "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/west-midlands/77/\n\n"
        "Recommendation 77\n\nDo it.\n\n[on]3rd March 2017 [status]awaiting-review[/status][/on]"
    )
    response = upload(client_as("liaison-lead"), ("new.txt", page))
    assert response.status_code == 400
    assert "new.txt:1: you do not act for West Midlands Police" in response.content.decode()
    assert not TrackedItem.objects.exists()
    assert not PendingImport.objects.exists()


def services_lead(item):
    from forces.users import user_set_role

    lead, _ = user_set_role(
        username=f"lead-{item.force.slug}",
        password="pw-for-tests-1",
        email="",
        role="liaison-lead",
        force_slugs=[item.force.slug],
    )
    return lead


def test_preview_shows_nothing_of_another_forces_stored_timeline(client_as, report, people):
    west_midlands = make_item(force="west-midlands", finding=FindingFactory(report=report))
    services.comment_add(
        item=west_midlands,
        by=people["admin"],
        text="Secret West Midlands progress note",
        visibility="internal",
    )
    page = page_of(west_midlands).replace("awaiting-review", "being-progressed", 1)
    response = upload(client_as("liaison-lead"), ("wmp.txt", page))
    html = response.content.decode()
    assert "you do not act for West Midlands Police" in html
    assert "stored" not in html
    assert "Secret West Midlands" not in html
    assert "differs from the stored timeline" not in html


def test_a_lead_cannot_import_closure_and_an_administrator_is_named(
    client_as, report, people, today
):
    item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    progressed(item, people["liaison-lead"])
    before = state(item)
    page = page_of(item) + f"\n\n[on]{on(today)} [status]complete[/status][/on]"
    response = upload(client_as("liaison-lead"), ("glos.txt", page))
    html = response.content.decode()
    assert response.status_code == 400
    assert "a &#39;complete&#39; status cannot be imported: propose closure" in html
    assert state(item) == before

    admin = client_as("admin")
    preview = upload(admin, ("glos.txt", page))
    assert preview.status_code == 200, preview.content.decode()
    assert confirm(admin, preview).status_code == 200
    item.refresh_from_db()
    assert item.status_id == Status.COMPLETE
    closing = TimelineEntry.objects.get(item=item, status_id=Status.COMPLETE)
    assert closing.author == people["admin"]
    assert "closure imported by" in closing.author_name


def test_an_import_that_would_strand_an_open_proposal_is_refused(client_as, report, people, today):
    item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    progressed(item, people["liaison-lead"])
    services.closure_propose(
        verified_by="documents", item=item, by=people["liaison-lead"], reason="Met"
    )
    before = state(item)
    page = page_of(item) + f"\n\n[on]{on(today)} [status]awaiting-review[/status][/on]"
    response = upload(client_as("admin"), ("glos.txt", page))
    assert response.status_code == 400
    assert "closure proposal awaiting a decision" in response.content.decode()
    assert state(item) == before
    assert ClosureProposal.objects.get(item=item).state == ClosureProposal.State.OPEN


def test_future_dated_entries_are_refused_by_every_door(client_as, report, people, tmp_path):
    item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    page = page_of(item) + "\n\n[on]1st January 2099 [comment]From the future[/comment][/on]"
    response = upload(client_as("admin"), ("glos.txt", page))
    assert response.status_code == 400
    html = response.content.decode()
    assert "glos.txt:" in html and "dated 1 January 2099, after today" in html
    path = tmp_path / "glos.txt"
    path.write_text(page)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_portal_pages", str(path), "--report", report.slug, stderr=err)
    assert "dated 1 January 2099, after today" in err.getvalue()
    with pytest.raises(errors.FutureDate):
        services.comment_add(
            visibility="internal",
            item=item,
            by=people["admin"],
            text="Later",
            on=dt.date(2099, 1, 1),
        )
    assert TimelineEntry.objects.filter(item=item).count() == 1


def test_review_and_no_further_action_refuse_while_a_proposal_is_open(client_as, people, item):
    lead = people["liaison-lead"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    before = state(item)
    with pytest.raises(errors.ProposalOpen):
        services.status_change(item=item, by=lead)
    with pytest.raises(errors.ProposalOpen):
        services.no_further_action(item=item, by=lead, reason="Superseded")
    client = client_as("liaison-lead")
    for action, data in (("review", {}), ("no-further-action", {"reason": "Superseded"})):
        response = client.post(reverse("recommendations:action", args=[item.pk, action]), data)
        assert response.status_code == 409
        assert "Withdraw the closure proposal first" in response.content.decode()
    assert state(item) == before


def test_the_proposer_withdraws_a_proposal_on_the_timeline_and_in_the_history(
    client_as, people, item, make_user
):
    lead = people["liaison-lead"]
    progressed(item, lead)
    proposal = services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    other = make_user("liaison-lead", "other-lead", force_slugs=["gloucestershire"])
    with pytest.raises(errors.NotYourProposal):
        services.closure_withdraw(item=item, by=other, reason="Not mine")
    url = reverse("recommendations:action", args=[item.pk, "withdraw-closure"])
    assert client_as(other).post(url, {"reason": "Not mine"}).status_code == 403
    response = client_as("liaison-lead").post(url, {"reason": "Needs a review first"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == ClosureProposal.State.WITHDRAWN
    assert proposal.decided_by == lead
    assert TimelineEntry.objects.filter(
        item=item, text__startswith="Closure proposal withdrawn by"
    ).exists()
    assert proposal.history.first().history_change_reason == "Closure withdrawn"
    # Now the review move is possible again.
    services.status_change(item=item, by=lead)
    assert TrackedItem.objects.get(pk=item.pk).status_id == Status.AWAITING_REVIEW
    again = client_as("liaison-lead").post(url, {"reason": "Again"})
    assert again.status_code == 409
    assert "already been withdrawn" in again.content.decode()


def test_one_decision_one_message(client_as, people, item, make_user):
    lead = people["liaison-lead"]
    progressed(item, lead)
    services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
    chief2 = make_user("chief-of-staff", "chief-two", region_slug="south-west")
    url = reverse("recommendations:action", args=[item.pk, "return-closure"])
    assert client_as("chief-of-staff").post(url, {"reason": "Need more"}).status_code == 302
    again = client_as(chief2).post(url, {"reason": "Also"})
    assert again.status_code == 409
    assert "This closure proposal has already been returned." in again.content.decode()
    # A raced proposal: the form was loaded before someone else proposed.
    propose = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    other = make_user("liaison-lead", "other-lead", force_slugs=["gloucestershire"])
    services.closure_propose(verified_by="documents", item=item, by=other, reason="Met now")
    raced = client_as("liaison-lead").post(propose, {"reason": "Met"})
    assert raced.status_code == 409
    assert "A closure proposal is already open for this item." in raced.content.decode()


def test_nul_and_control_characters_are_refused_with_the_line(client_as, report):
    page = (
        "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/gloucestershire/9/\n\n"
        "Recommendation 9\n\nDo it.\n\n[on]3rd March 2017 [status]awaiting-review[/status][/on]"
        "\n[on]4th March 2017 [comment]Bad \x00 byte[/comment][/on]"
    )
    response = upload(client_as("admin"), ("nul.txt", page))
    assert response.status_code == 400
    assert "nul.txt:8: the file contains the control character U+0000" in (
        response.content.decode()
    )
    assert confirm(client_as("admin"), response).status_code == 302
    assert not TrackedItem.objects.exists()
    with pytest.raises(errors.DomainError, match="control character U\\+0007"):
        services.comment_add(
            visibility="internal",
            item=make_item(),
            by=services_lead(make_item(force="devon-and-cornwall")),
            text="a\x07",
        )


def test_too_many_files_is_the_services_own_page(client_as, report):
    files = [(f"p{n}.txt", "x") for n in range(101)]
    response = upload(client_as("admin"), *files)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem with what was sent" in html
    assert "Bad Request (400)" not in html


def test_an_oversized_upload_is_refused_before_its_body_is_read(people, report):
    from recommendations.views import import_pages

    class Unread(io.RawIOBase):
        """A body that fails the test if anything reads it."""

        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = RequestFactory().post(
        reverse("recommendations:import"),
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(500 * 1024 * 1024),
        **{"wsgi.input": Unread()},
    )
    request.user = people["admin"]
    response = import_pages(request)
    assert response.status_code == 413
    assert "larger than 20 MB" in response.content.decode()


def test_a_file_over_the_limit_stops_the_upload_as_it_streams(client_as, report):
    handler = LimitedUploadHandler(None, per_file=1024, total=10_000)
    handler.new_file("files", "big.txt", "text/plain", None)
    handler.receive_data_chunk(b"x" * 1000, 0)
    from django.core.files.uploadhandler import StopUpload

    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * 1000, 1000)
    assert stopped.value.connection_reset
    assert handler.refusal.startswith("big.txt is larger than")

    big = "x" * (importing.MAX_FILE_BYTES + 10)
    response = upload(client_as("admin"), ("big.txt", big))
    assert response.status_code == 413
    assert "big.txt is larger than 1 MB" in response.content.decode()
    assert not PendingImport.objects.exists()


def test_previewed_pages_are_kept_server_side_not_in_the_session(client_as, report):
    page = (
        "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/gloucestershire/9/\n\n"
        "Recommendation 9\n\nDo it.\n\n[on]3rd March 2017 [status]awaiting-review[/status][/on]"
    )
    client = client_as("admin")
    response = upload(client, ("glos.txt", page))
    assert response.status_code == 200
    pending = PendingImport.objects.get()
    assert pending.owner.username == "admin" and pending.files[0][0] == "glos.txt"
    assert not any("Recommendation 9" in str(v) for v in client.session.values())
    # Another person cannot confirm it.
    other = client_as("liaison-lead")
    refused = other.post(reverse("recommendations:import_confirm"), {"import_id": pending.pk})
    assert refused.status_code == 302
    assert not TrackedItem.objects.exists()
    assert confirm(client, response).status_code == 200
    assert TrackedItem.objects.count() == 1
    assert PendingImport.objects.get().state == PendingImport.State.DONE


def test_an_unchanged_preview_offers_no_confirmation(client_as, report):
    item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    response = upload(client_as("admin"), ("glos.txt", page_of(item)))
    html = response.content.decode()
    assert "Nothing to import: every entry is already on the tracker" in html
    assert "Confirm and import" not in html
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize("q", ["²", "¹2", "٣"])
def test_search_for_non_ascii_digits_is_not_a_500(client_as, q):
    for name in ("recommendations:list", "recommendations:export_csv"):
        assert client_as("inspector").get(reverse(name), {"q": q}).status_code == 200


def test_closure_decisions_are_in_the_security_log_from_any_door(
    people, item, caplog, django_capture_on_commit_callbacks
):
    lead = people["liaison-lead"]
    progressed(item, lead)
    with caplog.at_level("INFO", logger="tracker.security"):
        with django_capture_on_commit_callbacks(execute=True):
            services.closure_propose(verified_by="documents", item=item, by=lead, reason="Met")
        with django_capture_on_commit_callbacks(execute=True):
            services.closure_withdraw(item=item, by=lead, reason="Not yet")
    events = [r.msg for r in caplog.records if r.name == "tracker.security"]
    assert [(e["event"], e["username"], e["item"]) for e in events] == [
        ("closure-proposed", "liaison-lead", item.pk),
        ("closure-withdrawn", "liaison-lead", item.pk),
    ]


def test_only_a_lead_who_acts_for_the_force_can_be_assigned(client_as, people, item, make_user):
    wm_officer = make_user("liaison-officer", "officer.wm", force_slugs=["west-midlands"])
    wm_lead = make_user("liaison-lead", "lead.wm", force_slugs=["west-midlands"])
    admin = people["admin"]
    for wrong in (wm_officer, wm_lead, people["liaison-officer"]):
        with pytest.raises(errors.NotALead):
            services.liaison_lead_assign(item=item, by=admin, lead=wrong)
    with pytest.raises(errors.NotPermitted):
        services.liaison_lead_assign(item=item, by=people["chief-of-staff"], lead=None)
    url = reverse("recommendations:action", args=[item.pk, "assign-lead"])
    refused = client_as("admin").post(url, {"lead": wm_officer.pk})
    assert refused.status_code == 400
    assert "Choose a liaison lead from the list" in refused.content.decode()
    assert client_as("admin").post(url, {"lead": people["liaison-lead"].pk}).status_code == 302
    item.refresh_from_db()
    assert item.liaison_lead == people["liaison-lead"]
    assert item.history.first().history_change_reason.startswith("Liaison lead set to")


def test_exports_have_real_dates_an_overdue_column_and_the_requests_host(
    client_as, people, item, settings
):
    import openpyxl

    settings.PORTAL_BASE_URL = ""
    services.owner_set(
        item=item,
        by=people["admin"],
        version=item.version,
        owner_name="Lee",
        owner_rank="",
        owner_department="",
        target_date=dt.date(2020, 1, 31),
    )
    client = client_as("inspector")
    csv_text = b"".join(client.get(reverse("recommendations:export_csv")).streaming_content)
    header, row = csv_text.decode().splitlines()[:2]
    at = header.split(",").index("overdue")  # after url; verified_by columns follow it
    # both flags are written yes/no (issue 25: overdue was true/false)
    assert header.split(",")[at - 1] == "url" and row.split(",")[at] == "yes"
    assert f"http://testserver/recommendations/{item.pk}/" in row
    assert client.get(reverse("recommendations:list"), {"overdue": "1"}).status_code == 200
    xlsx = client.get(reverse("recommendations:export_xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    headers = [c.value for c in sheet[1]]
    target = sheet.cell(row=2, column=headers.index("target_date") + 1).value
    assert target.date() == dt.date(2020, 1, 31)
