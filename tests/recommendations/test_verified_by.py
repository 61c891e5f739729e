"""How closure was verified: the form's `verified_by` (a contract), the service, the
timeline, the item and decision pages, the exports and the list filter."""

import csv
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from recommendations import errors, services
from recommendations.models import ClosureProposal, TimelineEntry
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db

CONTRACT_VALUES = [
    "documents",
    "reality-testing",
    "fieldwork",
    "insight",
    "self-assessment",
    "other",
]


def test_the_values_are_the_contract():
    assert ClosureProposal.VerifiedBy.values == CONTRACT_VALUES
    assert ClosureProposal.VerifiedBy("insight").label == "insight activity"


def test_the_form_proposes_with_the_method_and_the_timeline_says_it(client_as, people, item):
    progressed(item, people["liaison-lead"])
    client = client_as("liaison-lead")
    url = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    form = client.get(url).content.decode()
    for value in CONTRACT_VALUES:
        assert f'value="{value}"' in form
    assert 'name="verified_by"' in form
    response = client.post(url, {"reason": "Audit seen", "verified_by": "insight"})
    assert response.status_code == 302
    proposal = ClosureProposal.objects.get(item=item)
    assert (proposal.verified_by, proposal.verified_other) == ("insight", "")
    entry = TimelineEntry.objects.filter(item=item).order_by("-date", "-position").first()
    assert entry.text == "Closure proposed on the basis of insight activity: Audit seen"
    page = client.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert "insight activity" in page
    decision = client_as("chief-of-staff").get(
        reverse("recommendations:action", args=[item.pk, "authorise-closure"])
    )
    assert "Verified by: insight activity" in decision.content.decode()


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"reason": "Met"}, "verified_by", "Select how the requirement was verified"),
        ({"reason": "Met", "verified_by": "guess"}, "verified_by", "from the list"),
        ({"reason": "Met", "verified_by": "other"}, "verified_other", "Enter how the requirement"),
    ],
)
def test_the_form_names_what_is_missing(client_as, people, item, data, field, message):
    progressed(item, people["liaison-lead"])
    url = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    response = client_as("liaison-lead").post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'href="#id_{field}' in html  # the error summary links to the field
    assert not ClosureProposal.objects.filter(item=item).exists()


def test_other_needs_words_and_they_are_shown(people, item):
    progressed(item, people["liaison-lead"])
    with pytest.raises(errors.DomainError) as refused:
        services.closure_propose(
            item=item, by=people["liaison-lead"], reason="Met", verified_by="other"
        )
    assert refused.value.field == "verified_other"
    with pytest.raises(errors.DomainError) as unknown:
        services.closure_propose(
            item=item, by=people["liaison-lead"], reason="Met", verified_by="hunch"
        )
    assert unknown.value.field == "verified_by"
    proposal = services.closure_propose(
        item=item,
        by=people["liaison-lead"],
        reason="Met",
        verified_by="other",
        verified_other="a joint audit",
    )
    assert proposal.verified_display == "a joint audit"
    assert TimelineEntry.objects.filter(
        item=item, text="Closure proposed on the basis of a joint audit: Met"
    ).exists()


def test_the_database_refuses_an_unknown_method(people, item):
    progressed(item, people["liaison-lead"])
    for verified_by, other in (("hunch", ""), ("other", "")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ClosureProposal.objects.create(
                item=item,
                proposed_by=people["liaison-lead"],
                reason="Met",
                verified_by=verified_by,
                verified_other=other,
            )


def test_exports_end_with_the_method_and_the_filter_finds_it(client_as, people):
    lead = people["liaison-lead"]
    insight, fieldwork, plain = (make_item(force="gloucestershire") for _ in range(3))
    for item, how in ((insight, "insight"), (fieldwork, "fieldwork")):
        progressed(item, lead)
        services.closure_propose(item=item, by=lead, reason="Met", verified_by=how)
    client = client_as("inspector")
    body = b"".join(client.get(reverse("recommendations:export_csv")).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode())))
    # the old columns keep their order; the columns of issues 25 and 26 follow them
    at = rows[0].index("overdue")
    assert rows[0][at : at + 3] == ["overdue", "verified_by", "verified_other"]
    assert rows[0][at + 3 : at + 7] == [
        "text",
        "latest_update",
        "first_target_date",
        "target_date_moves",
    ]
    url_at = rows[0].index("url")
    by_url = {r[url_at].rsplit("/", 2)[-2]: r for r in rows[1:]}
    assert by_url[str(insight.pk)][at + 1] == "insight"
    assert by_url[str(plain.pk)][at + 1] == ""
    listed = client.get(reverse("recommendations:list"), {"verified_by": "insight"})
    assert [r["url"] for r in listed.context["rows"]] == [f"/recommendations/{insight.pk}/"]
    bad = client.get(reverse("recommendations:list"), {"verified_by": "hunch"})
    assert "There is no way of verifying closure called" in bad.content.decode()
    xlsx = client.get(reverse("recommendations:export_xlsx"), {"verified_by": "fieldwork"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][at + 1 : at + 3] == ("verified_by", "verified_other")
    assert [v[at + 1] for v in values[1:]] == ["fieldwork"]
