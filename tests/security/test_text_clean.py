"""Issue 23, finding 4: text is clean by type, not by field (tracker.text).

One rule for every free text from every door (pages, API, services, the shell): no C0
or C1 control characters (a tab and a line break only in multi-line text, where CR LF
becomes LF), no bidirectional overrides or isolates, no invisible format characters,
no lone surrogates or noncharacters, no portal-page markers; NFC. The exports strip
what a spreadsheet cannot hold even if bad text reached the database another way."""

import csv
import datetime as dt
import io
import unicodedata

import openpyxl
import pytest
from django.urls import reverse

from api import services as token_services
from forces.models import Force
from forces.users import UserSetupError, user_set_role
from recommendations import errors, services
from recommendations.models import ClosureProposal, InspectionReport, TimelineEntry, TrackedItem
from recommendations.policy import Action
from recommendations.selectors import today
from responses import services as response_services
from savedsearches import services as saved_services
from savedsearches.models import SavedSearch
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_throttles")]


class _TextType:
    """tracker.text, imported when a test uses it (so the other tests of this module ran,
    and failed on their own, against the code before the type existed)."""

    def __getattr__(self, name):
        from tracker import text

        return getattr(text, name)


text_type = _TextType()

EVIL = "Evil\u0007\u001bName"  # the issue's owner name: BEL and ESC

# What every single-line text refuses, and the words of the message.
SINGLE_LINE_BAD = [
    ("Evil\u0007Name", "cannot contain control characters"),
    ("Evil\u001bName", "cannot contain control characters"),
    ("NUL\u0000", "cannot contain control characters"),
    ("DEL\u007f", "cannot contain control characters"),
    ("C1\u0085next line", "cannot contain control characters"),
    ("C1\u009bCSI", "cannot contain control characters"),
    ("tab\there", "cannot contain control characters"),
    ("two\nlines", "must be on one line"),
    ("two\r\nlines", "must be on one line"),
    ("two\u2028lines", "must be on one line"),
    ("gpj.\u202eexe", "change the direction of text"),
    ("\u2066isolate\u2069", "change the direction of text"),
    ("mark\u200f", "change the direction of text"),
    ("zero\u200bwidth", "invisible characters"),
    ("bom\ufeff", "invisible characters"),
    ("join\u200dme", "invisible characters"),
    ("soft\u00adhyphen", "invisible characters"),
    ("filler\u3164", "invisible characters"),
    ("lone \ud800 surrogate", "not text"),
    ("nonchar \uffff", "not text"),
    ("[on]1st March 2017", "marks entries in portal pages"),
    ("x [/COMMENT] y", "marks entries in portal pages"),
    ("[status]complete[/status]", "marks entries in portal pages"),
]
# Multi-line text keeps tabs, line breaks, zero-width joiners (emoji) and soft hyphens.
ALLOWED_IN_MULTI_LINE = ("\t", "\n", "\r", "\u2028", "\u200d", "\u00ad")
MULTI_LINE_BAD = [
    (value, words)
    for value, words in SINGLE_LINE_BAD
    if not any(ch in value for ch in ALLOWED_IN_MULTI_LINE)
]


# --- The type itself -------------------------------------------------------------------


@pytest.mark.parametrize("value,words", SINGLE_LINE_BAD)
def test_single_line_text_refuses_it_naming_the_field(value, words):
    with pytest.raises(text_type.TextError) as refused:
        text_type.clean_text(value, field_label="Owner's name", multiline=False)
    assert refused.value.message.startswith("Owner's name ")
    assert words in refused.value.message


@pytest.mark.parametrize("value,words", MULTI_LINE_BAD)
def test_multi_line_text_refuses_it_naming_the_field(value, words):
    with pytest.raises(text_type.TextError) as refused:
        text_type.clean_text(value, field_label="the comment", multiline=True)
    assert refused.value.message.startswith("The comment ")
    assert words in refused.value.message


def test_the_message_names_the_character():
    with pytest.raises(text_type.TextError) as refused:
        text_type.clean_text(EVIL, field_label="Owner name", multiline=False)
    assert refused.value.message == (
        "Owner name cannot contain control characters: remove the control character U+0007"
    )


@pytest.mark.parametrize(
    "value,multiline,expected",
    [
        ("  Lee   Smith  ", False, "Lee Smith"),
        ("Lee\u00a0Smith", False, "Lee Smith"),
        ("Ame\u0301lie", False, "Amélie"),  # NFC: one code point
        ("one\r\ntwo\rthree\u2029four", True, "one\ntwo\nthree\nfour"),
        ("\n  keeps\tits tab and\n\nlines  \n", True, "keeps\tits tab and\n\nlines"),
        ("family 👨\u200d👩\u200d👧 emoji", True, "family 👨\u200d👩\u200d👧 emoji"),
        ("hyphen\u00adation", True, "hyphen\u00adation"),
        ("[onward] and [o n]", False, "[onward] and [o n]"),
        ("Zoë, Łódź, Ελλάδα, 東京, عربى", False, "Zoë, Łódź, Ελλάδα, 東京, عربى"),
    ],
)
def test_clean_text_is_normalised(value, multiline, expected):
    cleaned = text_type.clean_text(value, field_label="Text", multiline=multiline)
    assert cleaned == expected
    assert unicodedata.is_normalized("NFC", cleaned)


def test_clean_text_checks_the_length_after_cleaning():
    assert text_type.clean_text(" " + "x" * 5 + " ", field_label="Name", max_length=5) == "xxxxx"
    with pytest.raises(text_type.TextError, match="Name must be 5 characters or fewer"):
        text_type.clean_text("x" * 6, field_label="Name", max_length=5)


# --- The pages (forms) -----------------------------------------------------------------


def owner_url(item):
    return reverse("recommendations:action", args=[item.pk, "owner"])


def test_the_owner_form_refuses_control_characters_and_stores_nothing(client_as, item):
    before = TrackedItem.objects.get(pk=item.pk)
    response = client_as("liaison-officer").post(
        owner_url(item),
        {"owner_name": EVIL, "owner_rank": "Supt", "version": item.version},
    )
    assert response.status_code == 400
    assert "Owner&#39;s name cannot contain control characters" in response.content.decode()
    after = TrackedItem.objects.get(pk=item.pk)
    assert (after.owner_name, after.version) == (before.owner_name, before.version)


@pytest.mark.parametrize(
    "field,value",
    [
        ("owner_rank", "Supt\u202e"),
        ("owner_department", "Intel[on]"),
        ("owner_name", "Lee\u200bSmith"),
    ],
)
def test_the_owner_form_refuses_bad_text_in_every_field(client_as, item, field, value):
    data = {"owner_name": "Lee", "owner_rank": "", "owner_department": "", "version": 1}
    data[field] = value
    response = client_as("liaison-officer").post(owner_url(item), data)
    assert response.status_code == 400
    assert not TrackedItem.objects.filter(pk=item.pk).exclude(owner_name="").exists()


def test_the_bulk_owner_form_refuses_control_characters(client_as):
    items = [make_item(force="gloucestershire") for _ in range(2)]
    response = client_as("liaison-officer").post(
        reverse("recommendations:bulk"),
        {
            "item": [i.pk for i in items],
            "next": "/recommendations/",
            "action": "owner",
            "step": "check",
            "owner_name": EVIL,
        },
    )
    assert response.status_code == 400
    assert "cannot contain control characters" in response.content.decode()
    assert not TrackedItem.objects.exclude(owner_name="").exists()


def test_the_comment_form_refuses_a_direction_override(client_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    response = client_as("liaison-lead").post(
        reverse("recommendations:action", args=[item.pk, "comment"]),
        {"text": "Looks done \u202eenod ton\u202c", "visibility": "internal"},
    )
    assert response.status_code == 400
    assert "change the direction of text" in response.content.decode()
    assert not TimelineEntry.objects.filter(item=item, text__contains="Looks done").exists()


def test_the_comment_form_keeps_lines_as_lf(client_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    response = client_as("liaison-lead").post(
        reverse("recommendations:action", args=[item.pk, "comment"]),
        {"text": "First line\r\nSecond line", "visibility": "internal"},
    )
    assert response.status_code == 302
    assert TimelineEntry.objects.filter(item=item, text="First line\nSecond line").exists()


def test_the_saved_view_form_refuses_a_direction_override(client_as, people):
    response = client_as("inspector").post(
        reverse("savedsearches:new"), {"name": "Glos \u202eeudrevo", "query": ""}
    )
    assert response.status_code == 400
    assert "change the direction of text" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_the_api_token_form_refuses_control_characters(client_as, people):
    response = client_as("inspector").post(
        reverse("api:tokens"), {"name": "Sync\u0007", "days": 30}
    )
    assert response.status_code == 400
    assert "cannot contain control characters" in response.content.decode()
    assert not people["inspector"].api_tokens.exists()


def test_the_report_form_refuses_control_characters_in_the_title(client_as):
    response = client_as("admin").post(
        reverse("recommendations:report_new"),
        {
            "title": "PEEL\u0007 2026",
            "slug": "peel-2026",
            "published_0": "1",
            "published_1": "3",
            "published_2": "2026",
            "kind": "national",
        },
    )
    assert response.status_code == 400
    assert "cannot contain control characters" in response.content.decode()
    assert not InspectionReport.objects.filter(slug="peel-2026").exists()


def test_the_finding_form_refuses_portal_markers(client_as):
    report = ReportFactory()
    response = client_as("admin").post(
        reverse("recommendations:finding_new", args=[report.slug]),
        {"kind": "recommendation", "number": "1", "text": "Do it [/on][on]1st March 2017"},
    )
    assert response.status_code == 400
    assert "marks entries in portal pages" in response.content.decode()
    assert not report.findings.exists()


# --- The API ---------------------------------------------------------------------------


def test_api_patch_refuses_the_issues_owner_name(api_as, item):
    response = api_as("liaison-officer").patch(
        f"/api/v1/items/{item.pk}/",
        {"owner_name": EVIL},
        headers={"If-Match": f'"{item.version}"'},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "owner_name"
    assert error["detail"].startswith("Owner name cannot contain control characters")
    assert TrackedItem.objects.get(pk=item.pk).owner_name == ""


@pytest.mark.parametrize(
    "field,value",
    [
        ("owner_rank", "Supt\u009b"),
        ("owner_department", "Intel\n[on]"),
        ("reason", "Moved \u2066quietly\u2069"),
        ("owner_name", "Lone \ud800"),
    ],
)
def test_api_patch_refuses_bad_text_in_every_field(api_as, item, field, value):
    response = api_as("liaison-officer").patch(
        f"/api/v1/items/{item.pk}/", {field: value}, headers={"If-Match": f'"{item.version}"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("progress-updates", {"text": "Done\u0000"}, "text"),
        ("comments", {"text": "Public \u202e", "visibility": "public"}, "text"),
        ("comments", {"text": "[comment]x[/comment]", "visibility": "internal"}, "text"),
    ],
)
def test_api_entries_refuse_bad_text(api_as, people, path, body, field):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    role = "liaison-officer" if path == "progress-updates" else "liaison-lead"
    entries = TimelineEntry.objects.filter(item=item).count()
    response = api_as(role).post(f"/api/v1/items/{item.pk}/{path}/", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert TimelineEntry.objects.filter(item=item).count() == entries


def test_api_closure_texts_are_clean(api_as, people):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    lead = api_as("liaison-lead")
    refused = lead.post(
        f"/api/v1/items/{item.pk}/closure-proposals/",
        {"reason": "Met", "verified_by": "other", "verified_other": "audit\u0007"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "verified_other"
    made = lead.post(
        f"/api/v1/items/{item.pk}/closure-proposals/", {"reason": "Met", "verified_by": "insight"}
    )
    assert made.status_code == 201
    pid = made.json()["id"]
    chief = api_as("chief-of-staff")
    for path, body in (
        ("authorise", {"note": "Fine\u200b"}),
        ("return", {"reason": "Not yet\u001b"}),
    ):
        answer = chief.post(f"/api/v1/items/{item.pk}/closure-proposals/{pid}/{path}/", body)
        assert answer.status_code == 422, (path, answer.content)
    assert ClosureProposal.objects.get(pk=pid).state == ClosureProposal.State.OPEN


# --- The services: a door that forgets the form still cannot store bad text ------------


def owner(item, by, **given):
    fields = {"owner_name": "", "owner_rank": "", "owner_department": "", "target_date": None}
    fields.update(given)
    return services.owner_set(item=item, by=by, version=item.version, **fields)


@pytest.mark.parametrize(
    "field,value",
    [
        ("owner_name", EVIL),
        ("owner_name", "Lee [on]1st March 2017"),
        ("owner_rank", "Supt\u202e"),
        ("owner_department", "Two\nlines"),
        ("reason", "Moved\u0000"),
    ],
)
def test_owner_set_refuses_bad_text_naming_the_field(people, item, field, value):
    given = {field: value}
    if field == "reason":
        item = owner(item, people["liaison-officer"], target_date=today())
        given["target_date"] = today() + dt.timedelta(days=1)
    changes = TimelineEntry.objects.filter(item=item, event=TimelineEntry.Event.OWNER_CHANGED)
    before = changes.count()
    with pytest.raises(errors.DomainError) as refused:
        owner(item, people["liaison-officer"], **given)
    assert refused.value.field == field
    assert changes.count() == before


def test_owner_set_stores_owner_text_normalised(people, item):
    changed = owner(item, people["liaison-officer"], owner_name="  Ame\u0301lie   Smith ")
    assert changed.owner_name == "Amélie Smith"
    with pytest.raises(errors.DomainError, match="200 characters or fewer"):
        owner(changed, people["liaison-officer"], owner_name="x" * 201)


def test_owner_set_leaves_an_unchanged_stored_owner_alone(people, item):
    """Text stored before the rule (another way in) does not block other changes."""
    TrackedItem.objects.filter(pk=item.pk).update(owner_name=EVIL)
    item = TrackedItem.objects.get(pk=item.pk)
    changed = owner(item, people["liaison-officer"], owner_name=EVIL, owner_rank="Supt")
    assert changed.owner_rank == "Supt"


@pytest.mark.parametrize(
    "call",
    [
        lambda p, i: services.comment_add(
            item=i, by=p["liaison-lead"], text="x\u202e", visibility="internal"
        ),
        lambda p, i: services.comment_add(
            item=i, by=p["liaison-officer"], text="x\ufeff", action=Action.PROGRESS_UPDATE
        ),
        lambda p, i: services.closure_propose(
            item=i, by=p["liaison-lead"], reason="Met", verified_by="other", verified_other="a\nb"
        ),
        lambda p, i: services.closure_propose(
            item=i, by=p["liaison-lead"], reason="Met\u0085", verified_by="insight"
        ),
        lambda p, i: services.no_further_action(item=i, by=p["admin"], reason="Gone\u2067"),
        lambda p, i: services.status_change(item=i, by=p["liaison-lead"], reason="Back\u0008"),
    ],
)
def test_item_services_refuse_bad_text(people, call):
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    entries = TimelineEntry.objects.filter(item=item).count()
    with pytest.raises(errors.DomainError):
        call(people, item)
    assert TimelineEntry.objects.filter(item=item).count() == entries


def test_report_and_finding_services_refuse_bad_text(people):
    admin = people["admin"]
    with pytest.raises(errors.DomainError) as refused:
        services.report_publish(
            by=admin, title="PEEL\u0007", slug="peel-x", published=today(), kind="national"
        )
    assert refused.value.field == "title"
    with pytest.raises(errors.DomainError) as refused:
        services.report_publish(
            by=admin,
            title="PEEL",
            slug="peel-y",
            published=today(),
            kind="national",
            url="https://example.org/\u0007",
        )
    assert refused.value.field == "url"
    report = ReportFactory()
    gloucestershire = Force.objects.filter(slug="gloucestershire")
    for finding in (
        services.FindingInput(kind="recommendation", text="Do \u202e it"),
        services.FindingInput(kind="recommendation", text="Do it", cause_of_concern="[on]"),
    ):
        with pytest.raises(errors.DomainError):
            services.findings_issue(
                report=report, by=admin, findings=[finding], forces=gloucestershire
            )
    assert not report.findings.exists()


def test_saved_view_and_token_services_refuse_bad_text(people):
    inspector = people["inspector"]
    for name in ("Glos\u202e", "Glos\u00ad", "Glos\u200d"):
        with pytest.raises(errors.DomainError) as refused:
            saved_services.saved_search_create(owner=inspector, name=name, query="")
        assert refused.value.field == "name"
    with pytest.raises(errors.DomainError) as refused:
        token_services.token_create(user=inspector, name="Sync\u001b", days=30)
    assert refused.value.field == "name"


def test_the_response_service_refuses_bad_text_in_the_link(people):
    report = ReportFactory(kind="force", published=today() - dt.timedelta(days=10))
    items = [make_item(force="gloucestershire", finding=FindingFactory(report=report))]
    with pytest.raises(errors.DomainError) as refused:
        response_services.response_record(
            report=report,
            force=Force.objects.get(slug="gloucestershire"),
            by=people["admin"],
            received=today(),
            url="https://pcc.example.org/\u202eresponse",
            answers={i.pk: "accepted" for i in items},
        )
    assert refused.value.field == "url"


@pytest.mark.parametrize(
    "given",
    [
        {"full_name": "Sam\u0007 Patel"},
        {"full_name": "Sam \u202ePatel"},
        {"username": "sam\u0007"},
        {"email": "sam\u0007@example.org"},
    ],
)
def test_add_user_refuses_bad_text(given):
    fields = {"username": "sam", "role": "inspector", **given}
    with pytest.raises(UserSetupError):
        user_set_role(**fields)


# --- The exports: a second line of defence ---------------------------------------------


def test_bad_text_already_stored_still_exports(client_as, people, item, settings):
    """Text that reached the database without the services (an old row, a raw UPDATE):
    the XLSX opens, and neither export carries a character a spreadsheet cannot hold or
    a formula."""
    settings.PORTAL_BASE_URL = ""
    TrackedItem.objects.filter(pk=item.pk).update(
        owner_name=EVIL, owner_rank='=HYPERLINK("x")\u0001', owner_department="\u202eInt"
    )
    client = client_as("inspector")
    xlsx = client.get(reverse("recommendations:export_xlsx"))
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    owner_cell = sheet.cell(row=2, column=header.index("owner") + 1).value
    assert "EvilName" in owner_cell
    assert not any(ch in owner_cell for ch in "\u0007\u001b\u0001\u202e")
    assert owner_cell.startswith("'=HYPERLINK")  # neutralised, not a formula

    body = b"".join(client.get(reverse("recommendations:export_csv")).streaming_content)
    text = body.decode()
    assert not any(ch in text for ch in "\u0007\u001b\u0001\u202e")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert "EvilName" in row["owner"]
    assert row["owner"].startswith("'=HYPERLINK")
