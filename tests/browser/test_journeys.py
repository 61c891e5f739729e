"""Each role's journey through the pages, as that person would take it."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from recommendations.models import Status, TrackedItem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "samples"
    / "gloucestershire-8786-cause-of-concern.txt"
)


def fill_date(page, prefix, day):
    page.locator(f"#id_{prefix}_0").fill(str(day.day))
    page.locator(f"#id_{prefix}_1").fill(str(day.month))
    page.locator(f"#id_{prefix}_2").fill(str(day.year))


def test_update_review_propose_return_authorise(open_as, story, shots):
    item = story["overdue"]
    today = dt.date.today()

    # 1. The liaison officer finds the overdue item, updates it, sets owner and target date.
    officer = open_as("officer.glos")
    page = officer.page
    expect(page.get_by_role("heading", name="Your force's items")).to_be_visible()
    shots(page, "officer-dashboard")
    page.get_by_role("link", name="Recommendation 5, Gloucestershire Constabulary").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 5")
    page.get_by_role("link", name="Add a progress update").click()
    page.get_by_role("button", name="Add progress update").click()  # empty: an error
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the progress update")
    shots(page, "officer-update-error")
    page.get_by_label("Progress update").fill("OCG mapping has moved to the SW ROCU.")
    page.get_by_role("button", name="Add progress update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress update added"
    )
    expect(page.locator(".moj-timeline__item").first).to_contain_text(
        "OCG mapping has moved to the SW ROCU."
    )
    page.get_by_role("link", name="Set owner and target date").click()
    page.get_by_label("Owner's name").fill("Lee Wharmby")
    page.get_by_label("Rank or title").fill("Supt")
    page.get_by_label("Department").fill("Intelligence")
    later = today + dt.timedelta(days=60)
    fill_date(page, "target_date", later)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reason the target date is moving"
    )
    page.get_by_label("Reason for moving the target date").fill("Awaiting the ROCU audit")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Supt, Lee Wharmby, Intelligence")
    expect(page.locator(".moj-timeline")).to_contain_text("Awaiting the ROCU audit")
    shots(page, "officer-item-updated")

    # 2. The liaison lead reviews it, moves it to being progressed, proposes closure.
    lead = open_as("lead.sw")
    page = lead.page
    expect(page.get_by_role("table", name="Awaiting your review")).to_contain_text(
        "Recommendation 5"
    )
    page.get_by_role("link", name="Recommendation 5, Gloucestershire Constabulary").first.click()
    page.get_by_role("link", name="Change review status").click()
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-tag").first).to_have_text("Being progressed")
    page.get_by_role("link", name="Propose closure").click()
    page.get_by_label("Why it should close").fill("OCG mapping is done by the ROCU.")
    page.get_by_label("insight activity").check()
    page.get_by_role("button", name="Propose closure").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("Closure proposed by")
    shots(page, "lead-proposed")

    # 3. The chief of staff returns it; the lead proposes again; the chief authorises.
    chief = open_as("chief.sw")
    page = chief.page
    expect(page.get_by_role("table", name="Closure proposals, oldest first")).to_contain_text(
        "Recommendation 5"
    )
    proposals = page.get_by_role("table", name="Closure proposals, oldest first")
    proposals.get_by_role("link", name="Recommendation 5, Gloucestershire Constabulary").click()
    page.get_by_role("link", name="Return closure proposal").click()
    page.get_by_label("Why you are returning it").fill("Please attach the audit results.")
    page.get_by_role("button", name="Return proposal").click()
    expect(page.locator(".govuk-tag").first).to_have_text("Being progressed")
    shots(page, "chief-returned")

    page = lead.page
    page.goto("/")
    expect(page.locator("body")).to_contain_text("Please attach the audit results.")
    page.goto(f"/recommendations/{item.pk}/propose-closure/")
    page.get_by_label("Why it should close").fill("Audit results attached: all OCGs mapped.")
    page.get_by_label("documents and evidence reviewed").check()
    page.get_by_role("button", name="Propose closure").click()

    page = chief.page
    page.goto(f"/recommendations/{item.pk}/")
    page.get_by_role("link", name="Authorise closure").click()
    page.get_by_role("textbox", name="Note").fill("Audit results seen.")
    page.get_by_role("button", name="Authorise closure").click()
    expect(page.locator(".govuk-tag").first).to_have_text("Complete")
    timeline = page.locator(".moj-timeline")
    for text in [
        "Authorised for closure.",  # the public comment, without the unpublished note
        "Authorised for closure by Chief Sw: Audit results seen.",  # internal
        "Status changed from Being progressed to Complete",
        "Closure proposed on the basis of documents and evidence reviewed: Audit results",
        "Closure proposal returned by Chief Sw: Please attach the audit results.",
        "Closure proposed on the basis of insight activity: OCG mapping",
        "Status changed from Awaiting review to Being progressed",
        "Awaiting the ROCU audit",
        "OCG mapping has moved to the SW ROCU.",
        "Status set to Awaiting review",
    ]:
        expect(timeline).to_contain_text(text)
    for author in ["by Chief Sw", "by Lead Sw", "by Officer Glos"]:
        expect(timeline).to_contain_text(author)
    shots(page, "chief-authorised")
    assert TrackedItem.objects.get(pk=item.pk).status_id == Status.COMPLETE


def test_inspector_filters_sorts_and_downloads_what_the_table_shows(
    open_as, story, shots, tmp_path
):
    page = open_as("inspector").page
    page.get_by_role("link", name="Recommendations").first.click()
    page.get_by_label("Gloucestershire Constabulary").check()
    # The report filter is GOV.UK's accessible-autocomplete: type, then pick.
    page.get_by_role("combobox", name="Report (optional)").fill("PEEL")
    page.get_by_role("option", name="PEEL: Police effectiveness 2016").click()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page.locator("p[role=status]")).to_have_text("2 items")
    page.get_by_role("link", name="Last update").click()
    shots(page, "inspector-filtered")
    rows = page.locator(".govuk-table tbody tr")
    table_refs = [
        rows.nth(i).locator("td").nth(3).inner_text().split(",")[0].strip()
        for i in range(rows.count())
    ]
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    with path.open(encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert [r["reference"] for r in exported] == table_refs
    assert {r["force"] for r in exported} == {"Gloucestershire Constabulary"}
    assert len(exported) == 2


def test_admin_uploads_previews_confirms_and_finds_the_item(open_as, story, shots):
    page = open_as("admin").page
    page.get_by_role("link", name="Import pages").click()
    page.get_by_label("Portal pages").set_input_files(str(SAMPLE))
    page.get_by_label("Report").select_option("peel-2016")
    page.get_by_role("button", name="Preview import").click()
    expect(page.get_by_role("heading", name="Check what will be imported")).to_be_visible()
    expect(page.locator("table")).to_contain_text("New item, status Complete, 5 entries")
    shots(page, "admin-preview")
    assert not TrackedItem.objects.filter(portal_id=8786).exists()
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Imported 1 page")
    page.get_by_role("link", name="Recommendations").first.click()
    page.get_by_label("Search").fill("8786")
    page.get_by_label("Any status").check()
    page.get_by_role("button", name="Apply filters").first.click()
    page.get_by_role("link", name="Cause of concern").click()
    expect(page.locator(".govuk-caption-l")).to_contain_text("ID 8786")
    shots(page, "admin-imported-item")


def test_an_officer_of_another_force_gets_not_found(open_as, story, shots):
    page = open_as("officer.wmp").page
    response = page.goto(f"/recommendations/{story['overdue'].pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert "Recommendation 5" not in page.content()
    shots(page, "other-force-not-found")


PAYLOADS = [
    '<script>alert("xss")</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(2)">click me</a>',
]


def test_script_payloads_in_comments_and_imports_are_inert(open_as, story, shots, tmp_path):
    lead = open_as("lead.sw")
    page = lead.page
    page.goto(f"/recommendations/{story['overdue'].pk}/comment/")
    page.get_by_label("Comment").fill("\n".join(PAYLOADS))
    page.get_by_label("Internal").check()
    page.get_by_role("button", name="Add comment").click()
    for payload in PAYLOADS:
        expect(page.locator(".moj-timeline").first).to_contain_text(payload)
    assert page.locator(".moj-timeline img").count() == 0
    assert page.locator(".moj-timeline a[href^='javascript']").count() == 0
    shots(page, "payload-comment")

    page_file = tmp_path / "payload.txt"
    page_file.write_text(
        "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/gloucestershire/4242/"
        f"\n\nRecommendation 9\n\n{PAYLOADS[1]}\n\n[on]3rd March 2017 [status]awaiting-review"
        f"[/status][/on][on]4th March 2017 [comment]{PAYLOADS[0]} {PAYLOADS[2]}[/comment][/on]",
        encoding="utf-8",
    )
    admin = open_as("admin")
    page = admin.page
    page.goto("/imports/")
    page.get_by_label("Portal pages").set_input_files(str(page_file))
    page.get_by_label("Report").select_option("peel-2016")
    page.get_by_role("button", name="Preview import").click()
    page.get_by_role("button", name="Confirm and import").click()
    page.goto(f"/recommendations/{TrackedItem.objects.get(portal_id=4242).pk}/")
    expect(page.locator("main")).to_contain_text(PAYLOADS[1])
    expect(page.locator(".moj-timeline")).to_contain_text(PAYLOADS[0])
    assert page.locator("main img").count() == 0
    shots(page, "payload-import")
    for session in (lead, admin):
        assert session.dialogs == []
        assert [e for e in session.console_errors if "Content Security Policy" not in e] == []


def test_the_closure_journey_works_without_javascript(open_as, story, shots):
    """Every page is plain HTML forms and links: the whole journey with scripts off."""
    item = story["overdue"].pk
    officer = open_as("officer.glos", java_script_enabled=False).page
    officer.goto(f"/recommendations/{item}/progress-update/")
    officer.get_by_label("Progress update").fill("Sent without JavaScript.")
    officer.get_by_role("button", name="Add progress update").click()
    expect(officer.locator(".moj-timeline")).to_contain_text("Sent without JavaScript.")

    lead = open_as("lead.sw", java_script_enabled=False).page
    lead.goto(f"/recommendations/{item}/review/")
    lead.get_by_role("button", name="Change status").click()
    lead.get_by_role("link", name="Propose closure").click()
    lead.get_by_role("button", name="Propose closure").click()  # empty: the error summary
    expect(lead.locator(".govuk-error-summary")).to_contain_text("Enter why it should close")
    lead.get_by_label("Why it should close").fill("Met.")
    lead.get_by_label("inspection fieldwork").check()
    lead.get_by_role("button", name="Propose closure").click()

    chief = open_as("chief.sw", java_script_enabled=False).page
    chief.goto(f"/recommendations/{item}/authorise-closure/")
    chief.get_by_role("button", name="Authorise closure").click()
    expect(chief.locator(".govuk-tag").first).to_have_text("Complete")
    shots(chief, "no-javascript-authorised")

    inspector = open_as("inspector", java_script_enabled=False).page
    inspector.goto("/recommendations/")
    inspector.locator(".app-filter-toggle__summary").click()  # a <details>: no script needed
    inspector.get_by_label("Gloucestershire Constabulary").check()
    inspector.get_by_role("button", name="Apply filters").first.click()
    expect(inspector.locator(".moj-filter-tags")).to_contain_text("Gloucestershire")
    inspector.locator(".app-filter-toggle__summary").click()
    inspector.get_by_role(
        "link", name="Remove this filter: Force or other recipient Gloucestershire Constabulary"
    ).click()
    expect(inspector.locator(".moj-filter-tags")).not_to_contain_text("Gloucestershire")
