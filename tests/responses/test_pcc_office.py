"""The PCC office (`pcc-office`, scope its PCC office recipient): it reads the items of the
police force it serves, internal timeline entries included, but of their evidence only
the files marked OFFICIAL; it acts on none of them (pages, bulk, API); and what is
addressed to the office itself it updates as a liaison officer does."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api import services as token_services
from evidence.checks import inspect
from evidence.models import Evidence
from recommendations import services
from recommendations.models import ClosureProposal, TimelineEntry, TrackedItem
from recommendations.policy import Action
from tests.api.conftest import ApiClient
from tests.evidence.conftest import PDF
from tests.evidence.conftest import evidence_storage as evidence_storage  # autouse
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def pcc(make_user):
    return make_user("pcc-office", "pcc.glos", force_slugs=["gloucestershire"])


def snapshot(item):
    return (
        TimelineEntry.objects.filter(item=item).count(),
        item.history.count(),
        ClosureProposal.objects.filter(item=item).count(),
    )


def _file(name, content=PDF):
    return inspect(SimpleUploadedFile(name, content), max_bytes=10**6)


def with_files(item, by):
    """The item with an OFFICIAL and an OFFICIAL-SENSITIVE file, and an internal comment."""
    services.comment_add(
        item=item,
        by=by,
        text="The action plan, as the force sent it",
        action=Action.PROGRESS_UPDATE,
        files=[_file("action-plan.pdf")],
        marking=Evidence.Marking.OFFICIAL,
    )
    services.comment_add(
        item=item,
        by=by,
        text="Named officers' vetting review",
        action=Action.PROGRESS_UPDATE,
        files=[_file("vetting-review.pdf")],
        marking=Evidence.Marking.OFFICIAL_SENSITIVE,
    )
    return {e.marking: e for e in Evidence.objects.filter(item=item)}


def test_the_add_user_scope_is_the_pcc_office_and_it_reads_its_forces_items(client_as, people, pcc):
    assert [f.slug for f in pcc.scope.forces.all()] == ["gloucestershire-pcc"]
    item = make_item(force="gloucestershire")
    elsewhere = make_item(force="devon-and-cornwall")
    services.comment_add(
        item=item,
        by=people["liaison-lead"],
        text="Internal note: the force's audit is late",
        visibility="internal",
    )
    client = client_as(pcc)
    page = client.get(reverse("recommendations:item", args=[item.pk]))
    assert page.status_code == 200
    assert "Internal note: the force&#39;s audit is late" in page.content.decode()
    assert page.context["actions"] == []  # nothing to take on the force's item
    for name in ("recommendations:history", "recommendations:portal_page"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 200
    assert client.get(reverse("recommendations:item", args=[elsewhere.pk])).status_code == 404
    listed = client.get(reverse("recommendations:list"), {"force": "gloucestershire"})
    assert [r["url"] for r in listed.context["rows"]] == [
        reverse("recommendations:item", args=[item.pk])
    ]


def test_evidence_of_the_force_only_when_marked_official(client_as, people, pcc):
    item = make_item(force="gloucestershire")
    files = with_files(item, people["admin"])
    official, sensitive = files["OFFICIAL"], files["OFFICIAL-SENSITIVE"]
    url = reverse("evidence:download", args=[item.pk, sensitive.pk])
    client = client_as(pcc)
    page = client.get(reverse("recommendations:item", args=[item.pk]))
    text = page.content.decode()
    assert "action-plan.pdf" in text
    assert "vetting-review.pdf" not in text
    assert url not in text
    assert [f["id"] for f in page.context["evidence"]] == [official.pk]
    assert client.get(url).status_code == 404
    ok = client.get(reverse("evidence:download", args=[item.pk, official.pk]))
    assert ok.status_code == 200
    assert b"".join(ok.streaming_content) == PDF
    # The force's own people and the inspectorate read both.
    for role in ("liaison-officer", "liaison-lead"):
        assert client_as(role).get(url).status_code == 200
        listed = client_as(role).get(reverse("recommendations:item", args=[item.pk]))
        assert "vetting-review.pdf" in listed.content.decode()


def test_evidence_on_the_offices_own_items_is_all_its_own(client_as, people, pcc):
    own = make_item(force="gloucestershire-pcc")
    files = with_files(own, people["admin"])
    client = client_as(pcc)
    text = client.get(reverse("recommendations:item", args=[own.pk])).content.decode()
    assert "vetting-review.pdf" in text
    sensitive = files["OFFICIAL-SENSITIVE"]
    assert client.get(reverse("evidence:download", args=[own.pk, sensitive.pk])).status_code == 200


@pytest.mark.parametrize("action", ["progress-update", "owner", "comment", "review"])
def test_it_cannot_act_on_its_forces_items_through_the_pages(client_as, pcc, action):
    item = make_item(force="gloucestershire")
    before = snapshot(item)
    data = {
        "text": "The PCC's view",
        "visibility": "internal",
        "owner_name": "PCC",
        "owner_rank": "",
        "version": item.version,
    }
    client = client_as(pcc)
    url = reverse("recommendations:action", args=[item.pk, action])
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert snapshot(item) == before


def test_it_cannot_act_on_its_forces_items_in_bulk(client_as, pcc):
    item = make_item(force="gloucestershire")
    before = snapshot(item)
    client = client_as(pcc)
    url = reverse("recommendations:bulk")
    choose = client.post(url, {"item": [item.pk]})
    assert choose.status_code == 200
    assert list(choose.context["allowed"]) == []
    # A comment: the office holds no such permission.
    comment = {"text": "Bulk comment", "visibility": "internal"}
    confirm = client.post(
        url, {"item": [item.pk], "step": "confirm", "action": "comment", **comment}
    )
    assert confirm.status_code == 403
    # The owner: the office sets owners on its own items only; the force's is refused.
    owner = {"owner_name": "The PCC", "version": item.version}
    confirm = client.post(url, {"item": [item.pk], "step": "confirm", "action": "owner", **owner})
    assert confirm.status_code == 302
    (outcome,) = client.session["bulk_result"]["outcomes"]
    assert (outcome["id"], outcome["done"]) == (item.pk, False)
    assert snapshot(item) == before
    assert TrackedItem.objects.get(pk=item.pk).owner_name != "The PCC"


def test_it_cannot_act_on_its_forces_items_through_the_api(pcc):
    item = make_item(force="gloucestershire")
    own = make_item(force="gloucestershire-pcc")
    before = snapshot(item)
    _, secret = token_services.token_create(user=pcc, name="Tests", days=30)
    api = ApiClient(secret)
    assert api.get(reverse("api:item", args=[item.pk])).status_code == 200
    refused = api.post(reverse("api:progress_updates", args=[item.pk]), {"text": "From the PCC"})
    assert refused.status_code == 403
    comment = {"text": "From the PCC", "visibility": "internal"}
    assert api.post(reverse("api:comments", args=[item.pk]), comment).status_code == 403
    owner = api.patch(
        reverse("api:item", args=[item.pk]),
        {"owner_name": "PCC"},
        headers={"If-Match": f'"{item.version}"'},
    )
    assert owner.status_code == 403
    assert snapshot(item) == before
    made = api.post(reverse("api:progress_updates", args=[own.pk]), {"text": "From the PCC"})
    assert made.status_code == 201


def test_its_people_update_what_is_addressed_to_the_office(client_as, people, pcc):
    own = make_item(force="gloucestershire-pcc")
    client = client_as(pcc)
    page = client.get(reverse("recommendations:item", args=[own.pk]))
    assert "progress-update" in [name for name, _ in page.context["actions"]]
    posted = client.post(
        reverse("recommendations:action", args=[own.pk, "progress-update"]),
        {"text": "An evaluation of the victims' service is commissioned"},
    )
    assert posted.status_code == 302
    entry = TimelineEntry.objects.filter(item=own).latest("id")
    assert (entry.event, entry.author) == ("progress-update", pcc)
    owner = client.post(
        reverse("recommendations:action", args=[own.pk, "owner"]),
        {"owner_name": "Sam Lee", "version": TrackedItem.objects.get(pk=own.pk).version},
    )
    assert owner.status_code == 302
    assert TrackedItem.objects.get(pk=own.pk).owner_name == "Sam Lee"
    # A liaison officer of the police force has no reach to the office's items.
    officer = client_as("liaison-officer")
    assert officer.get(reverse("recommendations:item", args=[own.pk])).status_code == 404
