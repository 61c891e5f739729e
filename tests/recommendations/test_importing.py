import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from forces.models import Force
from recommendations import services
from recommendations.models import Finding, Status, TimelineEntry, TrackedItem
from recommendations.portal_format import importing
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
GLOS_8786 = SAMPLES / "gloucestershire-8786-cause-of-concern.txt"
GLOS_5 = SAMPLES / "gloucestershire-recommendation-5.txt"
DC_5 = SAMPLES / "devon-and-cornwall-recommendation-5.txt"


@pytest.fixture
def reports():
    return {
        "national": ReportFactory(slug="peel-2016-national", kind="national"),
        "glos": ReportFactory(slug="peel-2016-glos", kind="force", response_required=True),
    }


def run_import(*files, force=None, report="peel-2016-national", dry_run=False):
    out, err = io.StringIO(), io.StringIO()
    args = [str(f) for f in files]
    if force:
        args += ["--force", force]
    if report:
        args += ["--report", report]
    if dry_run:
        args.append("--dry-run")
    try:
        call_command("import_portal_pages", *args, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def db_state():
    return (
        TrackedItem.objects.count(),
        TimelineEntry.objects.count(),
        Finding.objects.count(),
        TrackedItem.history.count(),
    )


def test_cause_of_concern_sample(reports):
    code, out, _ = run_import(GLOS_8786, report="peel-2016-glos")
    assert code == 0 and "created: 5 entries" in out
    item = TrackedItem.objects.get()
    assert (item.force.slug, item.portal_id) == ("gloucestershire", 8786)
    assert item.finding.kind == "cause-of-concern" and item.finding.reference == "Cause of concern"
    assert item.finding.cause_of_concern.startswith("It is a cause of concern to HMIC that")
    assert "HMIC’s 2015" in item.finding.cause_of_concern
    assert item.finding.text.startswith("The force should immediately take steps to:")
    entries = list(item.timeline.order_by("date", "position"))
    assert [(e.date, e.kind, e.status_id) for e in entries] == [
        (dt.date(2017, 3, 2), "status", "awaiting-review"),
        (dt.date(2018, 4, 6), "status", "being-progressed"),
        (dt.date(2018, 4, 6), "comment", None),
        (dt.date(2018, 4, 26), "comment", None),
        (dt.date(2018, 5, 3), "status", "complete"),
    ]
    assert entries[3].text.startswith("As of Tuesday 3 April 2018")
    assert entries[3].text.endswith("fully embed across the Region.")
    assert "\n\nPriority Individuals are those persons" in entries[3].text
    assert item.status_id == Status.COMPLETE
    assert all(
        e.author_id is None and e.author_name == importing.IMPORTED_AUTHOR for e in entries[:-1]
    )
    # Closed history comes in only from an administrator, who is named on the timeline.
    assert entries[-1].author_name == (
        f"{importing.IMPORTED_AUTHOR}, closure imported by an administrator (command line)"
    )
    record = item.history.order_by("-history_date").first()
    assert record.history_change_reason == f"Imported from {GLOS_8786}"


def test_national_recommendation_for_two_forces_shares_one_text(reports):
    code, out, err = run_import(GLOS_5, force="gloucestershire")
    assert code == 0, err
    code, out, err = run_import(DC_5, force="devon-and-cornwall")
    assert code == 0, err
    assert "warning" in err and "cut short" in err
    items = TrackedItem.objects.order_by("force__name")
    assert items.count() == 2 and Finding.objects.count() == 1
    dc = items.get(force__slug="devon-and-cornwall")
    assert dc.finding.reference == "Recommendation 5" and dc.finding.kind == "recommendation"
    last = dc.timeline.order_by("-date", "-position").first()
    assert last.text == "Authorised for closure on the bases if recent insight activity."
    assert dc.status_id == Status.COMPLETE
    assert dc.timeline.filter(date=dt.date(2018, 3, 27)).count() == 3
    texts = [e.text for e in dc.timeline.filter(date=dt.date(2018, 3, 27)).order_by("position")]
    assert texts[0].startswith("Information from outside D&C")
    assert texts[1].startswith("Further update from force (Jo Densford) – “The") or texts[
        1
    ].startswith("Further update from force (Jo Densford) –")


def test_reimport_is_unchanged_and_newer_copy_appends(reports, tmp_path):
    assert run_import(GLOS_8786, report="peel-2016-glos")[0] == 0
    before = db_state()
    code, out, _ = run_import(GLOS_8786, report="peel-2016-glos")
    assert code == 0 and "unchanged" in out and db_state() == before
    newer = tmp_path / "glos-newer.txt"
    newer.write_text(
        GLOS_8786.read_text() + "[on]4th May 2018 [comment]\n\nA new note\n\n"
        "[/comment][/on][on]4th May 2018 [comment]Another[/comment][/on]"
    )
    code, out, _ = run_import(newer, report="peel-2016-glos")
    assert code == 0 and "updated: 2 new entries" in out
    item = TrackedItem.objects.get()
    assert list(
        item.timeline.filter(date=dt.date(2018, 5, 4))
        .order_by("position")
        .values_list("text", flat=True)
    ) == ["A new note", "Another"]


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


GOOD = (
    "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/gloucestershire/9/\n\n"
    "Recommendation 9\n\nDo it.\n\n[on]3rd March 2017 [status]awaiting-review[/status][/on]"
)


@pytest.mark.parametrize(
    "name,content,line,message",
    [
        ("status.txt", GOOD.replace("awaiting-review", "closed"), 7, "unknown status 'closed'"),
        ("date.txt", GOOD.replace("3rd March", "3rd Marhc"), 7, "unparseable date"),
        ("tag.txt", GOOD.replace("[/status][/on]", "[/comment][/on]"), 7, "mismatched tag"),
        (
            "open.txt",
            GOOD.replace(
                "[status]awaiting-review[/status][/on]",
                "[comment]x\n[on]4th March 2017 [status]complete[/status][/on]",
            ),
            7,
            "entry left open",
        ),
        ("notext.txt", GOOD.replace("Do it.", ""), 3, "no recommendation text"),
        ("noforce.txt", GOOD.split("\n\n", 1)[1], 1, "cannot determine the force"),
        (
            "atlantis.txt",
            GOOD.replace("gloucestershire", "atlantis"),
            1,
            "there is no force called 'atlantis'",
        ),
        ("empty.txt", "", 1, "the file is empty"),
        ("latin1.txt", "Recommendation 9\n\nHMIC\u2019s".encode() + b"\n\xe9t\xe9", 4, "not UTF-8"),
        ("huge.txt", GOOD + "\n" + "x" * (10 * 1024 * 1024), 1, "too large"),
    ],
)
def test_each_rejection_names_file_and_line_and_writes_nothing(
    reports, tmp_path, name, content, line, message
):
    good = write(
        tmp_path,
        "good.txt",
        GOOD.replace("/9/", "/10/").replace("Recommendation 9", "Recommendation 10"),
    )
    bad = write(tmp_path, name, content)
    before = db_state()
    code, _, err = run_import(good, bad)
    assert code == 1
    assert f"{bad}:{line}: " in err and message in err, err
    assert db_state() == before  # not even the good file


def test_conflicting_force_is_an_error(reports, tmp_path):
    code, _, err = run_import(write(tmp_path, "p.txt", GOOD), force="west-midlands")
    assert code == 1 and "names force 'gloucestershire' but --force says 'west-midlands'" in err


def test_duplicate_item_in_one_run_is_an_error(reports, tmp_path):
    a = write(tmp_path, "a.txt", GOOD)
    b = write(tmp_path, "b.txt", GOOD)
    code, _, err = run_import(a, b)
    assert code == 1 and "duplicate item" in err and TrackedItem.objects.count() == 0


def test_edited_or_removed_history_is_refused(reports, tmp_path):
    assert run_import(GLOS_8786, report="peel-2016-glos")[0] == 0
    before = db_state()
    edited = write(
        tmp_path,
        "edited.txt",
        GLOS_8786.read_text().replace("considerable progress", "some progress"),
    )
    code, _, err = run_import(edited, report="peel-2016-glos")
    assert code == 1 and "entry 3 differs from the stored timeline" in err
    removed = write(
        tmp_path,
        "removed.txt",
        GLOS_8786.read_text().replace("[on]3rd May 2018 [status]complete[/status][/on]", ""),
    )
    code, _, err = run_import(removed, report="peel-2016-glos")
    assert code == 1 and "an entry was removed" in err
    assert db_state() == before


def test_unknown_report_and_missing_report(tmp_path, reports):
    page = write(tmp_path, "p.txt", GOOD)
    assert "no report called 'nope'" in run_import(page, report="nope")[2]
    assert "give --report" in run_import(page, report=None)[2]


def test_dry_run_reports_and_writes_nothing(reports):
    before = db_state()
    code, out, _ = run_import(GLOS_8786, report="peel-2016-glos", dry_run=True)
    assert code == 0 and "created: 5 entries" in out and "Dry run" in out
    assert db_state() == before


def test_export_then_import_into_an_empty_database_round_trips(
    reports, tmp_path, people, django_db_blocker
):
    assert run_import(GLOS_8786, report="peel-2016-glos")[0] == 0
    assert run_import(GLOS_5, force="gloucestershire")[0] == 0
    assert run_import(DC_5, force="devon-and-cornwall")[0] == 0
    # The page without an address line got its public ID from the sequence.
    awkward = TrackedItem.objects.exclude(portal_id=8786).get(force__slug="gloucestershire")
    services.comment_add(
        visibility="public",
        item=TrackedItem.objects.get(portal_id=8786),
        by=people["admin"],
        text="Quotes “curly” – dashes & <b>tags</b>\n\nSecond paragraph ✓",
    )
    services.comment_add(
        visibility="public", item=awkward, by=people["admin"], text="[brackets] & 50% • bullet"
    )
    # A portal page carries public entries only: an internal one is not exported.
    services.comment_add(
        visibility="internal", item=awkward, by=people["admin"], text="Internal, never exported"
    )

    def snapshot():
        return sorted(
            (
                i.force.slug,
                i.portal_id or 0,
                i.finding.kind,
                i.finding.number,
                i.finding.text,
                i.finding.cause_of_concern,
                i.status_id,
                tuple(
                    (e.date, e.kind, e.status_id, e.text)
                    for e in i.timeline.filter(visibility="public").order_by("date", "position")
                ),
            )
            for i in TrackedItem.objects.select_related("force", "finding")
        )

    before = snapshot()
    out_dir = tmp_path / "out"
    call_command("export_portal_pages", "--out", str(out_dir), stdout=io.StringIO())
    files = sorted(out_dir.iterdir())
    assert [f.name for f in files] == sorted(
        [
            f"devon-and-cornwall-{TrackedItem.objects.get(force__slug='devon-and-cornwall').portal_id}.txt",
            "gloucestershire-8786.txt",
            f"gloucestershire-{awkward.portal_id}.txt",
        ]
    )
    from django.db import connection

    # Emptying the database: timeline and history are append-only (row triggers refuse
    # DELETE), but TRUNCATE fires no row trigger.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE evidence_evidence, recommendations_timelineentry,"
            " recommendations_timelineentrywelsh, recommendations_historicaltrackeditem,"
            " recommendations_historicaltrackeditem_themes"
        )
    TrackedItem.objects.all().delete()
    Finding.objects.all().delete()
    for f in files:
        report = "peel-2016-glos" if "8786" in f.name else "peel-2016-national"
        code, _, err = run_import(f, report=report)
        assert code == 0, err
    assert snapshot() == [
        (*row[:7], tuple((d, k, s, t) for d, k, s, t in row[7])) for row in before
    ]


def upload(client, *files, report="peel-2016-national", force=""):
    data = {
        "report": report,
        "force": force,
        "files": [io.BytesIO(content) for _, content in files],
    }
    for handle, (name, _) in zip(data["files"], files, strict=True):
        handle.name = name
    return client.post(reverse("recommendations:import"), data)


def test_upload_preview_then_confirm(client_as, reports):
    # The sample ends complete: closed history comes in only from an administrator.
    client = client_as("admin")
    response = upload(client, ("glos5.txt", GLOS_5.read_bytes()), force="gloucestershire")
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "Check what will be imported" in html
    assert "New item, status" in html and "4 entries" in html  # what happens to the item
    assert TrackedItem.objects.count() == 0
    done = client.post(
        reverse("recommendations:import_confirm"),
        {"import_id": response.context["pending"].pk},
    )
    assert done.status_code == 200
    assert "glos5.txt: created: 4 entries" in done.content.decode()
    assert TrackedItem.objects.get().force.slug == "gloucestershire"
    assert TrackedItem.history.order_by("-history_date").first().history_user.username == "admin"


def test_upload_errors_are_shown_with_lines_and_nothing_is_kept(client_as, reports):
    client = client_as("admin")
    bad = GOOD.replace("awaiting-review", "closed").encode()
    response = upload(client, ("bad.txt", bad))
    html = response.content.decode()
    assert response.status_code == 400
    assert "bad.txt:7: unknown status" in html
    assert client.post(reverse("recommendations:import_confirm")).status_code == 302
    assert TrackedItem.objects.count() == 0


def test_confirm_refuses_when_the_data_changed_since_the_preview(client_as, reports, people):
    client = client_as("admin")
    assert run_import(GLOS_8786, report="peel-2016-glos")[0] == 0
    newer = GLOS_8786.read_bytes() + b"[on]4th May 2018 [comment]New[/comment][/on]"
    response = upload(client, ("glos.txt", newer), report="peel-2016-glos")
    assert "1 new entry" in response.content.decode()
    item = TrackedItem.objects.get()
    services.comment_add(
        visibility="internal", item=item, by=people["admin"], text="Added after the preview"
    )
    before = db_state()
    response = client.post(
        reverse("recommendations:import_confirm"),
        {"import_id": response.context["pending"].pk},
    )
    assert response.status_code == 409
    assert "The data changed since your preview: nothing was imported" in response.content.decode()
    assert db_state() == before


def test_download_as_portal_page(client_as, reports):
    assert run_import(GLOS_8786, report="peel-2016-glos")[0] == 0
    item = TrackedItem.objects.get()
    response = client_as("chief-of-staff").get(
        reverse("recommendations:portal_page", args=[item.pk])
    )
    assert response["Content-Disposition"] == 'attachment; filename="gloucestershire-8786.txt"'
    text = response.content.decode()
    assert "/recommendation/gloucestershire/8786/" in text
    page = client_as("chief-of-staff").get(reverse("recommendations:item", args=[item.pk]))
    html = page.content.decode()
    assert f"by {importing.IMPORTED_AUTHOR}" in html and "by None" not in html
    assert "[on]3rd May 2018 [status]complete[/status][/on]" in text
    assert Force.objects.filter(slug="gloucestershire").exists()
