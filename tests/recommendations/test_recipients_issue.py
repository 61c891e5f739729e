"""Issuing a finding to recipients beyond the forces (issue 28): the form groups police
forces, national bodies and PCC offices (a fieldset each, the same field names); "All
the report's forces" is the 44 police forces, never a national body or PCC office; the
check page says which recipients by kind; an accelerated cause of concern needs its
letter's date. Also the demo's national data and the seeder's police forces."""

import re
from html import unescape

import pytest
from django.urls import reverse

from forces.models import Force
from recommendations import errors, services
from recommendations.models import Finding, TrackedItem
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db
TEXT = "The College should publish guidance."


def url(report):
    return reverse("recommendations:finding_new", args=[report.slug])


def pk(slug):
    return str(Force.objects.get(slug=slug).pk)


def post(client, report, **data):
    body = {"kind": "recommendation", "number": "1", "text": TEXT, **data}
    return client.post(url(report), body)


def carried(html):
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        if name != "csrfmiddlewaretoken":
            fields.setdefault(name, []).append(unescape(value))
    return fields


def test_the_form_groups_recipients_by_kind_in_fieldsets(client_as):
    html = client_as("admin").get(url(ReportFactory(kind="thematic"))).content.decode()
    legends = re.findall(r'<legend class="govuk-fieldset__legend[^"]*">\s*([^<]+?)\s*<', html)
    groups = ["Police forces", "National bodies", "Police and crime commissioners&#39; offices"]
    assert [g for g in legends if g in groups] == groups
    # every box is still called `forces`; ids are unique, the first is the error link's
    boxes = re.findall(r'<input[^>]*name="forces"[^>]*>', html)
    ids = [re.search(r'id="([^"]+)"', b).group(1) for b in boxes]
    assert len(boxes) == 92 and len(set(ids)) == 92 and ids[0] == "id_forces_0"
    national = re.search(r"<legend[^>]*>\s*National bodies", html).start()
    assert html.index("College of Policing") > national > html.index("Wiltshire Police")
    assert "The 44 police forces. National bodies and PCC offices are never included" in html


def test_a_finding_goes_to_national_bodies_and_a_pcc_office_after_the_check(client_as):
    report = ReportFactory(kind="thematic")
    client = client_as("admin")
    chosen = [pk("college-of-policing"), pk("npcc"), pk("gloucestershire-pcc")]
    check = post(client, report, forces=chosen)
    assert check.status_code == 200
    html = check.content.decode()
    assert "This will create 3 items" in html
    assert "National bodies" in html and "2: College of Policing, National Police Chiefs" in html
    assert "Police and Crime Commissioner for Gloucestershire" in html
    assert not TrackedItem.objects.exists()
    done = client.post(url(report), {**carried(html), "confirm": "yes"})
    assert done.status_code == 302
    assert sorted(TrackedItem.objects.values_list("force__slug", flat=True)) == [
        "college-of-policing",
        "gloucestershire-pcc",
        "npcc",
    ]


def test_all_the_reports_forces_are_the_police_forces_plus_any_other_recipient(client_as):
    report = ReportFactory(kind="national")
    client = client_as("admin")
    check = post(client, report, all_forces="on", forces=[pk("college-of-policing")])
    html = check.content.decode()
    assert "This will create 45 items" in html
    assert "All the report&#39;s forces (44)" in html
    done = client.post(url(report), {**carried(html), "confirm": "yes"})
    assert done.status_code == 302
    items = TrackedItem.objects.filter(finding__report=report)
    assert items.count() == 45
    assert items.filter(force__kind="force").count() == 44
    assert items.filter(force__slug="college-of-policing").exists()
    assert not items.filter(force__kind="pcc-office").exists()
    # a police force ticked as well as "All": not both
    both = post(client, report, number="2", all_forces="on", forces=[pk("dorset")])
    assert both.status_code == 400 and "not both" in both.content.decode()


def test_a_force_report_offers_police_forces_only(client_as):
    html = client_as("admin").get(url(ReportFactory(kind="force"))).content.decode()
    assert "College of Policing" not in html and "Commissioner for" not in html
    with pytest.raises(errors.DomainError):
        services.findings_issue(
            report=ReportFactory(kind="force"),
            by=client_as("admin").get("/").wsgi_request.user,
            forces=Force.objects.filter(slug="npcc"),
            findings=[services.FindingInput(kind="recommendation", number=1, text="Do it")],
        )


def _accelerated(client, report, **data):
    return post(
        client,
        report,
        kind="cause-of-concern",
        cause_of_concern="Victims are not safeguarded.",
        forces=pk("devon-and-cornwall"),
        **data,
    )


def test_an_accelerated_cause_of_concern_keeps_its_letters_date(client_as):
    report = ReportFactory(kind="force")
    client = client_as("admin")
    html = client.get(url(report)).content.decode()
    assert "Accelerated: raised by letter before the report was published" in html
    assert "Only for an accelerated cause of concern, and then needed" in html
    missing = _accelerated(client, report, accelerated="on")
    assert missing.status_code == 400
    assert "Enter the date of the letter that raised the accelerated cause of concern" in (
        missing.content.decode()
    )
    date = {"letter_date_0": "14", "letter_date_1": "2", "letter_date_2": "2017"}
    not_a_cause = post(client, report, forces=pk("devon-and-cornwall"), accelerated="on", **date)
    assert not_a_cause.status_code == 400
    assert "Only a cause of concern can be accelerated" in not_a_cause.content.decode()
    stray = _accelerated(client, report, **date)
    assert stray.status_code == 400
    assert "only for an accelerated cause of concern" in stray.content.decode()
    assert not Finding.objects.exists()
    done = _accelerated(client, report, accelerated="on", **date)
    assert done.status_code == 302
    finding = Finding.objects.get()
    assert finding.accelerated and str(finding.letter_date) == "2017-02-14"


def test_the_service_refuses_an_accelerated_recommendation(people):
    report = ReportFactory(kind="thematic")
    with pytest.raises(errors.DomainError) as refused:
        services.findings_issue(
            report=report,
            by=people["admin"],
            forces=Force.objects.filter(slug="npcc"),
            findings=[
                services.FindingInput(
                    kind="recommendation",
                    number=1,
                    text="Do it",
                    accelerated=True,
                    letter_date=report.published,
                )
            ],
        )
    assert refused.value.field == "accelerated"


def test_the_national_demo_data_is_there_once(db):
    from devdata.demo import load_demo
    from forces.models import Scope

    load_demo()
    report_items = TrackedItem.objects.filter(finding__report__slug="serious-youth-violence-2025")
    assert sorted(report_items.values_list("force__slug", flat=True)) == [
        "college-of-policing",
        "college-of-policing",
        "npcc",
        "npcc",
    ]
    assert report_items.filter(finding__text__contains="NPCC lead for").exists()
    assert all(TrackedItem.objects.get(pk=i.pk).timeline.count() >= 3 for i in report_items)
    chief = Scope.objects.get(user__username="chief.national")
    assert chief.region.slug == "national"
    lead = Scope.objects.get(user__username="lead.national")
    assert set(lead.forces.values_list("slug", flat=True)) == {"college-of-policing", "npcc"}
    officer = Scope.objects.get(user__username="officer.college")
    assert list(officer.forces.values_list("slug", flat=True)) == ["college-of-policing"]
    before = (TrackedItem.objects.count(), report_items.first().timeline.count())
    assert load_demo()["created"] == 0
    assert (TrackedItem.objects.count(), report_items.first().timeline.count()) == before


def test_the_seeder_seeds_police_forces_unless_asked():
    from devdata.seeding import seed

    seed(items=60, seed=71)
    seeded = TrackedItem.objects.filter(finding__report__slug__startswith="seed71-")
    assert seeded.count() == 60
    assert not seeded.exclude(force__kind="force").exists()
    seed(items=400, seed=72, recipients=True)
    others = TrackedItem.objects.filter(finding__report__slug__startswith="seed72-")
    assert others.exclude(force__kind="force").exists()


def test_the_check_page_says_accelerated_and_carries_the_letters_date(client_as):
    report = ReportFactory(kind="thematic")
    client = client_as("admin")
    date = {"letter_date_0": "3", "letter_date_1": "1", "letter_date_2": "2017"}
    check = post(
        client,
        report,
        kind="cause-of-concern",
        cause_of_concern="Children at risk are not identified.",
        accelerated="on",
        forces=[pk("college-of-policing"), pk("gloucestershire")],
        **date,
    )
    assert check.status_code == 200
    html = check.content.decode()
    assert "Yes: letter dated 3 January 2017" in html
    assert "Police forces" in html and "National bodies" in html
    done = client.post(url(report), {**carried(html), "confirm": "yes"})
    assert done.status_code == 302
    finding = Finding.objects.get(report=report)
    assert finding.accelerated and str(finding.letter_date) == "2017-01-03"
    assert finding.items.count() == 2
