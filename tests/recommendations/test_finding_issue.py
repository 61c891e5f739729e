"""Adding a finding to a report (issue 25): a number is required, the force list is the
report's own forces, no force ticked is an error (never "every force"), and issuing to
more than one force goes through a check page that says how many items it creates and
that they are public, with nothing written until it is confirmed."""

import re
from html import unescape

import pytest
from django.urls import reverse

from forces.models import Force
from recommendations import errors, services
from recommendations.models import Finding, InspectionReport, TrackedItem
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db

TEXT = "The force should review its plan.\n• Name an owner\n• Set a date"


def url(report: InspectionReport) -> str:
    return reverse("recommendations:finding_new", args=[report.slug])


def offered(html: str, name: str = "forces") -> list[str]:
    """The values of the page's choices for `name`."""
    inputs = re.findall(r"<input[^>]*>", html)
    values = []
    for i in inputs:
        found = re.search(r'value="([^"]*)"', i)
        if f'name="{name}"' in i and 'type="hidden"' not in i and found:
            values.append(found.group(1))
    return values


def post(client, report, **data):
    body = {"kind": "recommendation", "number": "5", "text": TEXT, **data}
    return client.post(url(report), body)


def pk(slug: str) -> str:
    return str(Force.objects.get(slug=slug).pk)


def test_a_number_is_required_with_a_clear_message(client_as):
    report = ReportFactory(kind="national")
    response = post(client_as("admin"), report, number="", forces=[pk("gloucestershire")])
    assert response.status_code == 400
    assert "Enter the finding&#39;s number in the report, for example 5" in (
        response.content.decode()
    )
    assert not report.findings.exists()


def test_a_number_too_large_for_the_database_is_an_error_not_a_500(client_as):
    report = ReportFactory(kind="national")
    response = post(
        client_as("admin"), report, number="99999999999", forces=[pk("gloucestershire")]
    )
    assert response.status_code == 400
    assert "Enter a number from 1 to 9999" in response.content.decode()
    assert not report.findings.exists()


def test_no_force_ticked_is_an_error_not_every_force(client_as):
    report = ReportFactory(kind="national")
    response = post(client_as("admin"), report)
    assert response.status_code == 400
    assert "Select the forces to issue it to, or tick All the report" in (response.content.decode())
    assert not TrackedItem.objects.exists() and not report.findings.exists()


def test_a_single_force_report_lists_its_one_force_only(client_as, people):
    report = ReportFactory(kind="force", response_required=True)
    make_item(force="devon-and-cornwall", finding=FindingFactory(report=report, number=1))
    client = client_as("admin")
    html = client.get(url(report)).content.decode()
    assert offered(html) == [pk("devon-and-cornwall")]
    assert "All the report" not in html
    # another force is refused, by the form and by the service
    response = post(client, report, number="2", forces=pk("gloucestershire"))
    assert response.status_code == 400
    assert "Select the force from the list" in response.content.decode()
    with pytest.raises(errors.DomainError) as refused:
        services.findings_issue(
            report=report,
            by=people["admin"],
            forces=Force.objects.filter(slug="gloucestershire"),
            findings=[services.FindingInput(kind="recommendation", number=3, text="Do it")],
        )
    assert "go to Devon and Cornwall Police only" in refused.value.message
    assert report.findings.count() == 1
    # its own force: issued at once (one item, no check page)
    response = post(client, report, number="2", forces=pk("devon-and-cornwall"))
    assert response.status_code == 302
    assert TrackedItem.objects.filter(finding__report=report, finding__number=2).count() == 1


def test_a_force_reports_first_finding_goes_to_exactly_one_force(client_as, people):
    report = ReportFactory(kind="force", response_required=True)
    html = client_as("admin").get(url(report)).content.decode()
    # its force is not known yet: any police force (never a national body or PCC office)
    assert len(offered(html)) == Force.objects.police().count() == 44
    radios = [i for i in re.findall(r"<input[^>]*>", html) if 'name="forces"' in i]
    assert radios and all('type="radio"' in i for i in radios)
    assert not any("checked" in i for i in radios)  # nothing preselected
    missing = post(client_as("admin"), report)
    assert missing.status_code == 400
    assert "Select the force this report is about" in missing.content.decode()
    with pytest.raises(errors.DomainError) as refused:
        services.findings_issue(
            report=report,
            by=people["admin"],
            forces=Force.objects.filter(slug__in=["gloucestershire", "dorset"]),
            findings=[services.FindingInput(kind="recommendation", number=1, text="Do it")],
        )
    assert refused.value.field == "forces"
    assert not report.findings.exists()


def test_a_national_report_lists_every_recipient_and_an_all_choice(client_as):
    report = ReportFactory(kind="thematic")
    html = client_as("admin").get(url(report)).content.decode()
    # every recipient: the 44 police forces, the national bodies and the PCC offices
    assert len(offered(html)) == Force.objects.count() == 92
    assert "All the report&#39;s forces (44)" in html


def test_several_forces_go_through_a_check_page_and_nothing_is_written(client_as):
    report = ReportFactory(kind="national")
    client = client_as("admin")
    chosen = [pk("gloucestershire"), pk("dorset"), pk("wiltshire")]
    check = post(client, report, forces=chosen)
    assert check.status_code == 200
    html = check.content.decode()
    assert "This will create 3 items, one per force" in html
    assert "They will be public on the monitoring portal at once" in html
    buttons = re.findall(r"<button[^>]*>", html)
    assert any('name="confirm"' in b and 'value="yes"' in b for b in buttons)
    assert any('name="change"' in b for b in buttons)
    assert not report.findings.exists() and not TrackedItem.objects.exists()
    # the check page carries what was entered: confirming posts exactly that back
    carried: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        if name != "csrfmiddlewaretoken":
            carried.setdefault(name, []).append(unescape(value))
    assert carried["forces"] and sorted(carried["forces"]) == sorted(chosen)
    done = client.post(url(report), {**carried, "confirm": "yes"})
    assert done.status_code == 302
    items = TrackedItem.objects.filter(finding__report=report)
    assert sorted(items.values_list("force__slug", flat=True)) == [
        "dorset",
        "gloucestershire",
        "wiltshire",
    ]
    assert Finding.objects.get(report=report).text == TEXT


def test_change_goes_back_to_the_form_filled_in_and_writes_nothing(client_as):
    report = ReportFactory(kind="national")
    client = client_as("admin")
    chosen = [pk("gloucestershire"), pk("dorset")]
    back = post(client, report, forces=chosen, change="yes")
    assert back.status_code == 200
    html = back.content.decode()
    assert "Add a finding" in html and "This will create" not in html
    assert "The force should review its plan." in html
    assert sorted(v for v in offered(html) if f'value="{v}" checked' in html) == sorted(chosen)
    assert not report.findings.exists()


def test_all_the_reports_forces_is_explicit_and_checked_first(client_as):
    report = ReportFactory(kind="national")
    client = client_as("admin")
    check = post(client, report, all_forces="on")
    assert check.status_code == 200
    assert "This will create 44 items, one per force" in check.content.decode()
    assert not TrackedItem.objects.exists()
    both = post(client, report, all_forces="on", forces=[pk("dorset")])
    assert both.status_code == 400
    assert "not both" in both.content.decode()
    done = post(client, report, all_forces="on", confirm="yes")
    assert done.status_code == 302
    assert TrackedItem.objects.filter(finding__report=report).count() == 44


def test_the_same_numbered_finding_twice_is_refused(client_as):
    report = ReportFactory(kind="national")
    client = client_as("admin")
    assert post(client, report, forces=[pk("dorset")]).status_code == 302
    again = post(client, report, forces=[pk("dorset"), pk("wiltshire")], confirm="yes")
    assert again.status_code == 400
    assert "This report already has Recommendation 5" in again.content.decode()
    assert TrackedItem.objects.filter(finding__report=report).count() == 1
