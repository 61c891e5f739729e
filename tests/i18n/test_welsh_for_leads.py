"""The lead's side of Welsh content (issue 30): a Welsh force's public comment is asked
for in both languages and goes live with its Welsh; the comment page says which public
updates still lack Welsh; an inspector lists them (`welsh=missing`)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from recommendations import services
from recommendations.models import Status, TimelineEntry, TimelineEntryWelsh
from tests.conftest import sign_in
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(make_user):
    return make_user("liaison-lead", "arweinydd", force_slugs=["south-wales", "gloucestershire"])


def comment_url(item) -> str:
    return reverse("recommendations:action", args=[item.pk, "comment"])


def test_a_welsh_forces_public_comment_needs_its_welsh_and_goes_live_with_it(lead):
    item = make_item(force="south-wales", lead=lead)
    client = sign_in(Client(), lead)
    page = client.get(comment_url(item)).content.decode()
    assert 'name="text_cy"' in page and 'lang="cy"' in page
    refused = client.post(comment_url(item), {"text": "Progress.", "visibility": "public"})
    assert refused.status_code == 400
    assert "Enter the comment in Welsh" in refused.content.decode()
    assert not TimelineEntry.objects.filter(item=item, kind="comment").exists()
    done = client.post(
        comment_url(item), {"text": "Progress.", "text_cy": "Cynnydd.", "visibility": "public"}
    )
    assert done.status_code == 302
    entry = TimelineEntry.objects.get(item=item, kind="comment")
    assert entry.welsh.text == "Cynnydd." and entry.welsh.added_by == lead
    public = Client().get(f"/cy/monitoring/south-wales/{item.portal_id}/").content.decode()
    assert "Cynnydd." in public
    # An internal comment needs no Welsh, and keeps none.
    client.post(
        comment_url(item), {"text": "Internal.", "text_cy": "Mewnol.", "visibility": "internal"}
    )
    assert TimelineEntryWelsh.objects.count() == 1


def test_an_english_forces_comment_asks_for_no_welsh(lead):
    item = make_item(force="gloucestershire", lead=lead)
    client = sign_in(Client(), lead)
    assert 'name="text_cy"' not in client.get(comment_url(item)).content.decode()
    done = client.post(comment_url(item), {"text": "Progress.", "visibility": "public"})
    assert done.status_code == 302


def test_the_comment_page_says_which_public_updates_lack_welsh(lead):
    item = make_item(force="south-wales", lead=lead)
    services.comment_add(item=item, by=lead, text="Old update.", visibility="public")
    page = sign_in(Client(), lead).get(comment_url(item)).content.decode()
    assert "1 public update has no Welsh yet:" in page


def test_an_inspector_lists_the_items_whose_public_updates_lack_welsh(lead, people):
    lacking = make_item(force="south-wales", lead=lead)
    translated = make_item(force="south-wales", lead=lead)
    english = make_item(force="gloucestershire", lead=lead)
    internal_only = make_item(force="gwent")
    services.comment_add(item=lacking, by=lead, text="No Welsh.", visibility="public")
    services.comment_add(
        item=translated, by=lead, text="Both.", text_cy="Y ddau.", visibility="public"
    )
    services.comment_add(item=english, by=lead, text="English force.", visibility="public")
    services.status_change(item=lacking, by=lead, to=Status.BEING_PROGRESSED)  # a status entry
    assert internal_only.pk
    client = sign_in(Client(), people["inspector"])
    response = client.get("/recommendations/", {"welsh": "missing", "status": "all"})
    assert response.status_code == 200
    listed = {row["id"] for row in response.context["page"].object_list}  # rows are dicts
    assert listed == {lacking.pk}
    bad = client.get("/recommendations/", {"welsh": "maybe"})
    assert "Welsh must be missing" in bad.content.decode()


def test_the_welsh_of_an_earlier_public_update_is_added_later(lead, people):
    item = make_item(force="south-wales", lead=lead)
    entry = services.comment_add(item=item, by=lead, text="Imported.", visibility="public")
    internal = services.comment_add(item=item, by=lead, text="Secret.", visibility="internal")
    url = reverse("recommendations:action", args=[item.pk, "add-welsh"])
    client = sign_in(Client(), lead)
    page = client.get(url).content.decode()
    assert "Imported." in page and "Secret." not in page and 'lang="cy"' in page
    # Only a public update of this item without Welsh may be chosen.
    for wrong in (internal.pk, 999_999, "x"):
        refused = client.post(url, {"entry": wrong, "text": "Cyfrinach."})
        assert refused.status_code == 400
    assert not TimelineEntryWelsh.objects.exists()
    assert client.post(url, {"entry": entry.pk, "text": "Mewnforiwyd."}).status_code == 302
    assert TimelineEntry.objects.get(pk=entry.pk).welsh.text == "Mewnforiwyd."
    public = Client().get(f"/cy/monitoring/south-wales/{item.portal_id}/").content.decode()
    assert "Mewnforiwyd." in public and "Imported." not in public
    again = client.post(url, {"entry": entry.pk, "text": "Eto."})
    assert again.status_code == 400  # it has its Welsh: append-only
    assert "Every public update of this item has its Welsh." in client.get(url).content.decode()
    # Someone who may not comment on the item may not add its Welsh either.
    officer = make_item(force="south-wales")
    assert (
        sign_in(Client(), people["liaison-officer"])
        .post(
            reverse("recommendations:action", args=[officer.pk, "add-welsh"]),
            {"entry": entry.pk, "text": "Na."},
        )
        .status_code
        == 404
    )
