"""National bodies as recipients (issue 28, ADR 0016): the one-door rules hold for them
through the pages, bulk, the API and the import. A national body's liaison officer
updates only its own items; a liaison lead whose scope is the NPCC proposes closure of
the NPCC's; the National region's chief of staff authorises it, never their own
proposal, and another region's chief cannot; a force's officers cannot touch a national
body's items, nor a national body's officers a force's."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from api import services as token_services
from forces.users import user_set_role
from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from recommendations.portal_format import importing
from tests.api.conftest import ApiClient
from tests.conftest import sign_in
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


def person(username, role, *, forces=(), region=None):
    user, _ = user_set_role(
        username=username,
        role=role,
        force_slugs=list(forces),
        region_slug=region,
        password="pw-for-tests-1",
    )
    return user


@pytest.fixture
def who():
    return {
        "college-officer": person(
            "college-officer", "liaison-officer", forces=["college-of-policing"]
        ),
        "glos-officer": person("glos-officer", "liaison-officer", forces=["gloucestershire"]),
        "npcc-lead": person("npcc-lead", "liaison-lead", forces=["npcc"]),
        "glos-lead": person("glos-lead", "liaison-lead", forces=["gloucestershire"]),
        "national-chief": person("national-chief", "chief-of-staff", region="national"),
        "sw-chief": person("sw-chief", "chief-of-staff", region="south-west"),
    }


@pytest.fixture
def items():
    """One finding of a national report, to the College, the NPCC and Gloucestershire."""
    finding = FindingFactory(report=ReportFactory(slug="youth-violence", kind="thematic"))
    return {
        slug: make_item(force=slug, finding=finding)
        for slug in ("college-of-policing", "npcc", "gloucestershire")
    }


def entries(item):
    return TimelineEntry.objects.filter(item=item).count()


def api(user):
    return ApiClient(token_services.token_create(user=user, name="Tests", days=30)[1])


def action(item, name):
    return reverse("recommendations:action", args=[item.pk, name])


def propose(item, lead):
    services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    return services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")


# --- Pages ------------------------------------------------------------------------------


def test_a_national_bodys_officer_updates_only_its_own_items_on_the_pages(who, items):
    college = sign_in(Client(), who["college-officer"])
    body = {"text": "The guidance is drafted"}
    assert (
        college.post(action(items["college-of-policing"], "progress-update"), body).status_code
        == 302
    )
    assert entries(items["college-of-policing"]) == 2
    for other in ("npcc", "gloucestershire"):  # another body's, a force's: not found
        before = entries(items[other])
        assert college.post(action(items[other], "progress-update"), body).status_code == 404
        assert (
            college.get(reverse("recommendations:item", args=[items[other].pk])).status_code == 404
        )
        assert entries(items[other]) == before
    glos = sign_in(Client(), who["glos-officer"])
    before = entries(items["college-of-policing"])
    assert (
        glos.post(action(items["college-of-policing"], "progress-update"), body).status_code == 404
    )
    assert entries(items["college-of-policing"]) == before


def test_the_npcc_lead_proposes_and_the_national_chief_decides_on_the_pages(client, who, items):
    npcc = items["npcc"]
    lead = sign_in(client, who["npcc-lead"])
    assert lead.post(action(npcc, "review"), {}).status_code == 302
    propose_body = {"reason": "The approach is in place", "verified_by": "documents"}
    assert lead.post(action(npcc, "propose-closure"), propose_body).status_code == 302
    # the lead of a force neither sees it nor proposes the College's
    glos_lead = sign_in(Client(), who["glos-lead"])
    assert glos_lead.get(reverse("recommendations:item", args=[npcc.pk])).status_code == 404
    # another region's chief of staff: not found; the National region's: authorised
    south_west = sign_in(Client(), who["sw-chief"])
    assert south_west.post(action(npcc, "authorise-closure"), {}).status_code == 404
    assert TrackedItem.objects.get(pk=npcc.pk).status_id == Status.BEING_PROGRESSED
    chief = sign_in(Client(), who["national-chief"])
    assert chief.post(action(npcc, "authorise-closure"), {}).status_code == 302
    assert TrackedItem.objects.get(pk=npcc.pk).status_id == Status.COMPLETE
    assert ClosureProposal.objects.get(item=npcc).decided_by == who["national-chief"]


def test_the_national_chief_never_decides_their_own_proposal(client, who, items):
    """A lead who proposed and then became the National region's chief of staff may not
    authorise that proposal: someone else must."""
    proposer = who["npcc-lead"]
    propose(items["npcc"], proposer)
    user_set_role(username=proposer.username, role="chief-of-staff", region_slug="national")
    page = sign_in(client, proposer)
    # refused as the proposal's own author (a conflict with the proposal's state)
    assert page.post(action(items["npcc"], "authorise-closure"), {}).status_code == 409
    assert TrackedItem.objects.get(pk=items["npcc"].pk).status_id == Status.BEING_PROGRESSED


# --- Bulk -------------------------------------------------------------------------------


def test_bulk_follows_the_same_rules_for_national_bodies(client, who, items):
    for slug in ("college-of-policing", "npcc"):
        propose(
            items[slug], person("proposer", "liaison-lead", forces=["college-of-policing", "npcc"])
        )
    chief = sign_in(client, who["national-chief"])
    chosen = [items["college-of-policing"].pk, items["npcc"].pk]
    data = {"item": chosen, "step": "confirm", "action": "authorise-closure", "next": "/"}
    assert chief.post("/bulk/", data).status_code == 302
    assert set(TrackedItem.objects.filter(pk__in=chosen).values_list("status_id", flat=True)) == {
        Status.COMPLETE
    }
    # a force's item among them: the whole choice is not found for a national chief
    glos = items["gloucestershire"]
    mixed = {"item": [glos.pk], "step": "confirm", "action": "comment", "text": "x"}
    assert chief.post("/bulk/", mixed).status_code == 404
    # another region's chief of staff cannot reach the national bodies' items at all
    south_west = sign_in(Client(), who["sw-chief"])
    assert south_west.post("/bulk/", {"item": chosen}).status_code == 404


# --- API --------------------------------------------------------------------------------


def test_the_api_keeps_national_bodies_apart(who, items):
    college, npcc, glos = items["college-of-policing"], items["npcc"], items["gloucestershire"]
    officer = api(who["college-officer"])
    listed = officer.get(reverse("api:items")).json()["results"]
    assert [row["force"] for row in listed] == ["college-of-policing"]
    url = lambda item: reverse("api:progress_updates", args=[item.pk])  # noqa: E731
    assert officer.post(url(college), {"text": "Drafted"}).status_code == 201
    assert officer.post(url(npcc), {"text": "Drafted"}).status_code == 404
    assert officer.post(url(glos), {"text": "Drafted"}).status_code == 404
    assert api(who["glos-officer"]).post(url(college), {"text": "x"}).status_code == 404
    lead = api(who["npcc-lead"])
    services.status_change(item=npcc, by=who["npcc-lead"], to=Status.BEING_PROGRESSED)
    proposed = lead.post(
        reverse("api:closure_proposals", args=[npcc.pk]),
        {"reason": "Met", "verified_by": "documents"},
    )
    assert proposed.status_code == 201
    pid = ClosureProposal.objects.get(item=npcc).pk
    authorise = reverse("api:closure_authorise", args=[npcc.pk, pid])
    assert api(who["sw-chief"]).post(authorise, {}).status_code == 404
    assert api(who["national-chief"]).post(authorise, {}).status_code == 200
    assert TrackedItem.objects.get(pk=npcc.pk).status_id == Status.COMPLETE


def test_the_api_lists_every_recipient_read_only(who):
    client = api(who["college-officer"])
    response = client.get(reverse("api:recipients"))
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()}
    assert len(rows) == 92
    assert rows["college-of-policing"] == {
        "slug": "college-of-policing",
        "name": "College of Policing",
        "kind": "national-body",
        "region": "national",
        "police_force": None,
    }
    assert rows["gloucestershire-pcc"]["kind"] == "pcc-office"
    assert rows["gloucestershire-pcc"]["police_force"] == "gloucestershire"
    assert rows["gloucestershire"]["kind"] == "force"
    assert sum(r["kind"] == "force" for r in rows.values()) == 44
    assert client.post(reverse("api:recipients"), {}).status_code == 405
    schema = client.get(reverse("api:schema")).content.decode()
    assert "/api/v1/recipients/" in schema


# --- Import -----------------------------------------------------------------------------


def _upload(client, item):
    text = importing.item_page_text(TrackedItem.objects.get(pk=item.pk))
    handle = io.BytesIO(
        (text + "\n\n[on]3rd March 2017 [comment]Imported progress[/comment][/on]").encode()
    )
    handle.name = "page.txt"
    upload = client.post(
        reverse("recommendations:import"), {"report": "youth-violence", "files": [handle]}
    )
    pending = upload.context.get("pending") if upload.context else None
    confirm = client.post(
        reverse("recommendations:import_confirm"), {"import_id": pending.pk if pending else ""}
    )
    return upload, confirm


def test_importing_pages_reaches_only_the_leads_own_recipients(client, who, items):
    npcc = items["npcc"]
    before = entries(npcc)
    glos_lead = sign_in(Client(), who["glos-lead"])
    upload, _ = _upload(glos_lead, npcc)
    assert upload.status_code == 400 and "you do not act for" in upload.content.decode()
    assert entries(npcc) == before
    upload, confirm = _upload(sign_in(client, who["npcc-lead"]), npcc)
    assert (upload.status_code, confirm.status_code) == (200, 200)
    assert entries(npcc) == before + 1


# --- The list, exports and the national view ------------------------------------------


def test_the_lists_force_filter_and_column_take_a_national_body(client_as, items):
    client = client_as("inspector")
    page = client.get(reverse("recommendations:list"), {"force": "college-of-policing"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "College of Policing" in html and "1 item" in html
    assert "College of Policing (national body)" in html  # the filter's option says its kind
    both = client.get(reverse("recommendations:list"), {"force": ["npcc", "gloucestershire"]})
    assert both.context["page"].paginator.count == 2
    unknown = client.get(reverse("recommendations:list"), {"force": "nowhere"})
    assert "There is no force called &#39;nowhere&#39;" in unknown.content.decode()
    body = b"".join(
        client.get(reverse("recommendations:export_csv"), {"force": "npcc"}).streaming_content
    ).decode()
    header, row = body.splitlines()[:2]
    assert header.split(",")[1] == "force" and header.split(",")[-1] == "recipient_kind"
    assert "National Police Chiefs" in row
    assert row.endswith("national-body")


def test_the_national_view_shows_every_recipient_of_a_finding(client_as, items):
    html = (
        client_as("inspector")
        .get(reverse("recommendations:finding", args=[items["npcc"].finding_id]))
        .content.decode()
    )
    assert "in every force and other recipient" in html
    assert "(national body)" in html and "Gloucestershire" in html
    assert "3 (1 police forces, 2 national bodies, 0 PCC offices)" in html


def test_the_inspectors_home_lists_the_national_bodies_open_items(client_as, items):
    html = client_as("inspector").get(reverse("recommendations:dashboard")).content.decode()
    assert 'id="national-bodies"' in html
    assert f"{reverse('recommendations:list')}?force=college-of-policing" in html
    assert f"{reverse('recommendations:list')}?force=home-office" in html  # none open: 0
    from recommendations.dashboards import national_bodies, status_matrix

    rows = {r["slug"]: r for r in national_bodies(None)}
    assert len(rows) == 5
    assert rows["college-of-policing"]["open"] == 1 and rows["home-office"]["open"] == 0
    # the status matrix: every police force, and the other recipients that have items
    names = {r["force"].slug for r in status_matrix(None)["rows"]}
    assert len(names) == 44 + 2 and {"npcc", "college-of-policing"} <= names


# --- The public site ----------------------------------------------------------------------


def test_a_national_body_has_a_public_page_and_its_own_section(client, items):
    page = client.get(reverse("monitoring:force", args=["college-of-policing"]))
    assert page.status_code == 200
    assert "College of Policing" in page.content.decode()
    index = client.get(reverse("monitoring:index")).content.decode()
    assert 'id="national-bodies"' in index
    assert reverse("monitoring:force", args=["home-office"]) in index
    # a PCC office: its page and the index's section only once it has public items
    assert client.get(reverse("monitoring:force", args=["dorset-pcc"])).status_code == 404
    assert 'id="pcc-offices"' not in index
    make_item(force="dorset-pcc", finding=items["npcc"].finding)
    from django.core.cache import caches

    caches["public"].clear()
    assert client.get(reverse("monitoring:force", args=["dorset-pcc"])).status_code == 200
    index = client.get(reverse("monitoring:index")).content.decode()
    assert 'id="pcc-offices"' in index
    filtered = client.get(reverse("monitoring:index"), {"force": "npcc"})
    assert filtered.status_code == 200
    data = client.get(reverse("monitoring:data_csv"), {"force": "npcc"})
    assert "National Police Chiefs" in b"".join(data.streaming_content).decode()
