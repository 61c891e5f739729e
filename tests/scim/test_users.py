"""/scim/v2/ as an identity provider uses it: discovery, provisioning, changes by PUT and
PATCH (as Microsoft Entra ID sends them), the people made before SCIM, and leavers
coming back."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from scim.models import ScimIdentity
from tests.conftest import sign_in
from tests.scim.helpers import USER_SCHEMA, patch_body, user_body

pytestmark = pytest.mark.django_db


def test_discovery_describes_what_the_service_keeps(scim_as):
    client = scim_as("gloucestershire")
    config = client.get("/ServiceProviderConfig").json()
    assert config["patch"] == {"supported": True}
    assert config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 100}
    assert config["changePassword"] == {"supported": False}
    assert [s["type"] for s in config["authenticationSchemes"]] == ["oauthbearertoken"]
    types = client.get("/ResourceTypes").json()
    assert [t["id"] for t in types["Resources"]] == ["User"]
    assert types["Resources"][0]["endpoint"] == "/Users"
    user = client.get(f"/Schemas/{USER_SCHEMA}").json()
    names = {a["name"]: a for a in user["attributes"]}
    assert set(names) == {"userName", "name", "displayName", "active", "emails"}
    assert names["displayName"]["mutability"] == "readOnly"
    assert "password" not in names
    assert client.get("/Schemas").json()["totalResults"] == 4


def test_provision_read_replace_and_list(scim_as, caplog):
    client = scim_as("gloucestershire")
    with caplog.at_level("INFO", logger="tracker.security"):
        created = client.post("/Users", user_body("sam.jones", externalId="entra-123"))
    assert created.status_code == 201
    doc = created.json()
    assert created["Location"] == doc["meta"]["location"]
    assert doc["meta"]["location"].endswith(f"/scim/v2/Users/{doc['id']}")
    assert doc["name"] == {"givenName": "Sam", "familyName": "Jones"}
    assert doc["displayName"] == "Sam Jones"
    assert doc["externalId"] == "entra-123"
    assert doc["emails"] == [{"value": "sam.jones@glos.police.example"}]
    events = [r.msg["event"] for r in caplog.records if r.name == "tracker.security"]
    assert "scim-user-provisioned" in events

    replaced = client.put(
        f"/Users/{doc['id']}",
        user_body("sam.jones2", name={"givenName": "Samantha"}, emails=[]),
    )
    assert replaced.status_code == 200, replaced.content
    again = client.get(f"/Users/{doc['id']}").json()
    assert again["userName"] == "sam.jones2"
    assert again["name"] == {"givenName": "Samantha"}
    assert "emails" not in again and "externalId" not in again  # cleared by the PUT
    user = get_user_model().objects.get(username="sam.jones2")
    assert (user.first_name, user.last_name, user.email) == ("Samantha", "", "")

    listed = client.get("/Users", {"attributes": "userName"}).json()
    assert listed["totalResults"] == 1
    assert set(listed["Resources"][0]) == {"schemas", "id", "userName"}
    by_external = client.get("/Users", {"excludedAttributes": "emails,name"}).json()
    assert "name" not in by_external["Resources"][0]


def test_entra_style_patch(scim_as):
    """Microsoft Entra ID's operations: capitalised ops, string booleans, the core
    schema's URN in paths, and emails[type eq "work"].value."""
    client = scim_as("gloucestershire")
    ident = client.post("/Users", user_body("alex")).json()["id"]
    response = client.patch(
        f"/Users/{ident}",
        patch_body(
            {"op": "Replace", "path": "name.givenName", "value": "Alexandra"},
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "alex@glos.example"},
            {"op": "Replace", "path": f"{USER_SCHEMA}:name.familyName", "value": "Smith"},
            {"op": "Replace", "path": "displayName", "value": "ignored: made from the names"},
            {"op": "Add", "path": "externalId", "value": "00aa-11bb"},
        ),
    )
    assert response.status_code == 200, response.content
    doc = response.json()
    assert doc["name"] == {"givenName": "Alexandra", "familyName": "Smith"}
    assert doc["displayName"] == "Alexandra Smith"
    assert doc["emails"] == [{"value": "alex@glos.example"}]
    assert doc["externalId"] == "00aa-11bb"
    found = client.get("/Users", {"filter": 'externalId eq "00aa-11bb"'}).json()
    assert [r["id"] for r in found["Resources"]] == [ident]


def test_search_by_post(scim_as):
    client = scim_as("gloucestershire")
    client.post("/Users", user_body("kim"))
    client.post("/Users", user_body("lee"))
    response = client.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName eq "kim"',
            "attributes": ["userName"],
        },
    )
    assert response.status_code == 200
    assert [r["userName"] for r in response.json()["Resources"]] == ["kim"]
    assert client.post("/.search", {"filter": "x"}).status_code == 400


def test_people_made_before_scim_are_found_and_managed(make_user, scim_as):
    """An officer made by add_user gets a SCIM id the first time their force's token
    asks, so their organisation can find them by userName and deactivate them."""
    officer = make_user("liaison-officer", "existing.officer")
    assert not ScimIdentity.objects.filter(user=officer).exists()
    client = scim_as("gloucestershire")
    found = client.get("/Users", {"filter": 'userName eq "existing.officer"'}).json()
    assert found["totalResults"] == 1
    ident = found["Resources"][0]["id"]
    assert str(ScimIdentity.objects.get(user=officer).scim_id) == ident
    response = client.patch(
        f"/Users/{ident}", patch_body({"op": "replace", "path": "active", "value": False})
    )
    assert response.json()["active"] is False
    officer.refresh_from_db()
    assert not officer.is_active


def test_a_leaver_who_returns_signs_in_afresh(make_user, scim_as):
    officer = make_user("liaison-officer", "returner")
    browser = sign_in(Client(), officer)
    client = scim_as("gloucestershire")
    ident = client.get("/Users").json()["Resources"][0]["id"]
    client.patch(f"/Users/{ident}", patch_body({"op": "replace", "path": "active", "value": False}))
    back = client.patch(
        f"/Users/{ident}", patch_body({"op": "replace", "path": "active", "value": True})
    )
    assert back.json()["active"] is True
    officer.refresh_from_db()
    assert officer.is_active
    # Their old session did not come back with them.
    assert browser.get(reverse("recommendations:dashboard")).status_code == 302
    assert not Session.objects.exists()


def test_created_inactive_is_created_and_inactive(scim_as):
    response = scim_as("gloucestershire").post("/Users", user_body("not.yet", active=False))
    assert response.status_code == 201 and response.json()["active"] is False
    assert not get_user_model().objects.get(username="not.yet").is_active


def test_delete_deactivates_and_detaches(make_user, scim_as):
    client = scim_as("gloucestershire")
    ident = client.post("/Users", user_body("gone")).json()["id"]
    assert client.delete(f"/Users/{ident}").status_code == 204
    user = get_user_model().objects.get(username="gone")
    assert not user.is_active
    assert ScimIdentity.objects.get(user=user).deleted_at is not None
    assert client.get(f"/Users/{ident}").status_code == 404
    assert client.delete(f"/Users/{ident}").status_code == 404
    assert client.get("/Users").json()["totalResults"] == 0
    # The userName stays taken: an administrator brings a deleted person back.
    assert client.post("/Users", user_body("gone")).status_code == 409
