"""The PCC response's write door (issue 28): the force does not write its police and
crime commissioner's s.55 response. A liaison officer's forged POST to the form is
refused (403) and writes nothing, whatever it carries; so is another force's PCC office
(404: it does not see the force), and an officer acting for the PCC office recipient,
who holds no `record_response`. The PCC office of the force is let through."""

from __future__ import annotations

import pytest
from django.urls import reverse

from responses.models import PccResponse, ResponseAnswer
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


def forged(item):
    return {
        "received_0": "1",
        "received_1": "5",
        "received_2": "2017",
        "url": "https://pcc.example.org/forged.pdf",
        f"answer_{item.pk}": "accepted",
    }


@pytest.fixture
def report_item():
    report = ReportFactory(slug="peel-2016-gloucestershire", response_required=True)
    return report, make_item(force="gloucestershire", finding=FindingFactory(report=report))


def test_a_liaison_officers_post_to_the_response_door_is_refused(client_as, report_item):
    report, item = report_item
    url = reverse("responses:record", args=[report.slug, "gloucestershire"])
    client = client_as("liaison-officer")
    assert client.get(url).status_code == 403
    refused = client.post(url, forged(item))
    assert refused.status_code == 403
    assert "forged.pdf" not in refused.content.decode()
    assert not PccResponse.objects.exists()
    assert not ResponseAnswer.objects.exists()
    assert PccResponse.history.count() == 0


def test_only_the_forces_own_pcc_office_gets_through(client_as, make_user, report_item):
    report, item = report_item
    url = reverse("responses:record", args=[report.slug, "gloucestershire"])
    other_office = make_user("pcc-office", "pcc.wmp", force_slugs=["west-midlands"])
    assert client_as(other_office).post(url, forged(item)).status_code == 404
    office_officer = make_user(
        "liaison-officer", "officer.glos-pcc", force_slugs=["gloucestershire-pcc"]
    )
    assert client_as(office_officer).post(url, forged(item)).status_code == 404
    assert not PccResponse.objects.exists()
    office = make_user("pcc-office", "pcc.glos", force_slugs=["gloucestershire"])
    assert client_as(office).post(url, forged(item)).status_code == 302
    response = PccResponse.objects.get()
    assert (response.force.slug, response.recorded_by) == ("gloucestershire", office)
