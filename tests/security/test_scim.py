"""SCIM provisioning (/scim/v2/, issue 27) attacked: one organisation's token reaching
another's people, a leaver's session and API token outliving their deactivation, a
token kept in clear, a session or an API token used as a SCIM token, and hostile bodies
and filters. Expectations for who manages whom come from the hand-written oracle
(tests.oracle.SCIM_MANAGES), not from the portal."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from api import services as api_services
from api.models import ApiToken
from recommendations.models import TimelineEntry
from scim.models import ScimIdentity, ScimToken
from tests import oracle
from tests.conftest import progressed, sign_in
from tests.factories import make_item
from tests.scim.helpers import BASE, ScimClient, client_for, patch_body, token_for, user_body

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"

# A person of each role, "own" to Gloucestershire's token (or in the South West), or of
# another region (West Midlands).
SCOPES = {
    "own": {
        "liaison-officer": dict(force_slugs=["gloucestershire"]),
        "liaison-lead": dict(force_slugs=["gloucestershire"]),
        "chief-of-staff": dict(region_slug="south-west"),
    },
    "other-region": {
        "liaison-officer": dict(force_slugs=["west-midlands"]),
        "liaison-lead": dict(force_slugs=["west-midlands"]),
        "chief-of-staff": dict(region_slug="west-midlands-region"),
    },
}
TOKENS = {"force": "gloucestershire", "inspectorate": None}


def scim_id(user) -> str:
    identity, _ = ScimIdentity.objects.get_or_create(user=user)
    return str(identity.scim_id)


def _is_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body["detail"]


@pytest.fixture
def scim_token(db):
    return token_for


@pytest.fixture
def scim_as(db):
    return client_for


# --- One organisation's token and another's people -----------------------------------------


@pytest.mark.parametrize("organisation", sorted(oracle.SCIM_MANAGES))
@pytest.mark.parametrize("role", oracle.ROLES)
@pytest.mark.parametrize("scope", ["own", "other-region"])
def test_a_token_manages_only_its_organisations_people(
    organisation, role, scope, make_user, scim_as
):
    person = make_user(role, f"{role}-{scope}", **SCOPES[scope].get(role, {}))
    client = scim_as(TOKENS[organisation])
    path = f"/Users/{scim_id(person)}"
    manages = oracle.scim_manages(organisation, role, scope)

    got = client.get(path)
    listed = client.get("/Users", {"filter": f'userName eq "{person.username}"'})
    assert listed.status_code == 200
    if manages:
        assert got.status_code == 200 and got.json()["userName"] == person.username
        assert listed.json()["totalResults"] == 1
        return
    _is_error(got, 404)
    assert listed.json()["totalResults"] == 0
    assert person.username not in json.dumps(client.get("/Users").json())
    before = get_user_model().objects.get(pk=person.pk)
    _is_error(
        client.patch(path, patch_body({"op": "replace", "path": "active", "value": False})), 404
    )
    _is_error(
        client.patch(
            path,
            patch_body(
                {
                    "op": "replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "attacker@example.org",
                }
            ),
        ),
        404,
    )
    _is_error(
        client.put(path, user_body(person.username, emails=[{"value": "attacker@example.org"}])),
        404,
    )
    _is_error(client.delete(path), 404)
    after = get_user_model().objects.get(pk=person.pk)
    assert (after.is_active, after.email, after.username) == (
        before.is_active,
        before.email,
        before.username,
    )


def test_an_administrator_is_no_tokens_to_manage(make_user, scim_as):
    admin = make_user("admin")
    for organisation in (None, "gloucestershire"):
        client = scim_as(organisation)
        _is_error(client.get(f"/Users/{scim_id(admin)}"), 404)
        _is_error(client.delete(f"/Users/{scim_id(admin)}"), 404)
    assert get_user_model().objects.get(pk=admin.pk).is_active


def test_a_force_token_creates_only_its_own_liaison_officers(scim_as):
    glos = scim_as("gloucestershire")
    body = user_body(
        "new.officer",
        roles=[{"value": "admin"}],
        groups=[{"value": "Administrator"}],
        **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "x"}},
    )
    created = glos.post("/Users", body)
    assert created.status_code == 201, created.content
    user = get_user_model().objects.get(username="new.officer")
    assert [g.name for g in user.groups.all()] == [oracle_group("liaison-officer")]
    assert [f.slug for f in user.scope.forces.all()] == ["gloucestershire"]
    assert user.scope.region is None
    assert not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    # West Midlands' token cannot see the officer Gloucestershire's token made.
    _is_error(scim_as("west-midlands").get(f"/Users/{created.json()['id']}"), 404)


def test_the_inspectorate_token_creates_people_with_no_role(scim_as):
    created = scim_as(None).post(
        "/Users", user_body("new.inspector", roles=[{"value": "inspector"}])
    )
    assert created.status_code == 201, created.content
    user = get_user_model().objects.get(username="new.inspector")
    assert oracle.SCIM_CREATES["inspectorate"] is None
    assert not user.groups.exists() and not user.is_staff and not user.is_superuser
    assert not hasattr(user, "scope") or not user.scope.forces.exists()
    # Still the inspectorate's to manage; no force's.
    _is_error(scim_as("gloucestershire").get(f"/Users/{created.json()['id']}"), 404)
    assert scim_as(None).get(f"/Users/{created.json()['id']}").status_code == 200


def oracle_group(role: str) -> str:
    from forces.roles import ROLES

    return ROLES[role].group


def test_a_taken_username_is_a_conflict_and_changes_nobody(make_user, scim_as):
    other = make_user("liaison-officer", "wm.officer", force_slugs=["west-midlands"])
    response = scim_as("gloucestershire").post("/Users", user_body("WM.Officer"))
    _is_error(response, 409)
    assert response.json()["scimType"] == "uniqueness"
    other.refresh_from_db()
    assert [f.slug for f in other.scope.forces.all()] == ["west-midlands"]


# --- Leavers -------------------------------------------------------------------------------------


@pytest.fixture
def officer_at_work(make_user):
    """A Gloucestershire liaison officer signed in (two factors) and with an API token."""
    officer = make_user("liaison-officer", "leaver")
    browser = sign_in(Client(), officer)
    assert browser.get(reverse("recommendations:dashboard")).status_code == 200
    _token, secret = api_services.token_create(user=officer, name="Sync", days=30)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/items/").status_code == 200
    return officer, browser, api


def _left(officer, browser, api) -> None:
    """The leaver's next request, on either door, is refused; nothing of theirs is gone."""
    page = browser.get(reverse("recommendations:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert api.get("/api/v1/items/").status_code == 401
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(officer.pk) for s in Session.objects.all()
    )
    token = ApiToken.objects.get(user=officer)  # revoked, not deleted
    assert token.revoked_at is not None
    user = get_user_model().objects.get(pk=officer.pk)  # deactivated, not deleted
    assert not user.is_active


@pytest.mark.parametrize(
    "how",
    ["patch-active-false", "patch-active-string", "patch-no-path", "put-active-false", "delete"],
)
def test_deactivation_ends_the_live_session_and_the_api_token(how, officer_at_work, scim_as):
    officer, browser, api = officer_at_work
    glos = scim_as("gloucestershire")
    path = f"/Users/{scim_id(officer)}"
    if how == "patch-active-false":
        response = glos.patch(path, patch_body({"op": "replace", "path": "active", "value": False}))
    elif how == "patch-active-string":  # Microsoft Entra sends "False"
        response = glos.patch(
            path, patch_body({"op": "Replace", "path": "active", "value": "False"})
        )
    elif how == "patch-no-path":
        response = glos.patch(path, patch_body({"op": "replace", "value": {"active": False}}))
    elif how == "put-active-false":
        response = glos.put(path, user_body(officer.username, active=False))
    else:
        response = glos.delete(path)
    assert response.status_code in (200, 204), response.content
    _left(officer, browser, api)
    if how == "delete":
        _is_error(glos.get(path), 404)  # gone from SCIM; the account row stays
    else:
        assert glos.get(path).json()["active"] is False


def test_an_inspectorate_leaver_keeps_what_they_wrote(make_user, scim_as):
    lead = make_user("liaison-lead", "lead")
    item = progressed(make_item(force="gloucestershire"), lead)
    written = TimelineEntry.objects.filter(item=item).count()
    assert written > 0
    response = scim_as(None).delete(f"/Users/{scim_id(lead)}")
    assert response.status_code == 204
    assert TimelineEntry.objects.filter(item=item).count() == written
    assert get_user_model().objects.filter(pk=lead.pk, is_active=False).exists()


def test_deactivation_is_in_the_security_log(officer_at_work, scim_as, caplog):
    officer, _browser, _api = officer_at_work
    with caplog.at_level("INFO", logger="tracker.security"):
        scim_as("gloucestershire").patch(
            f"/Users/{scim_id(officer)}",
            patch_body({"op": "replace", "path": "active", "value": False}),
        )
    events = [r.msg for r in caplog.records if r.name == "tracker.security"]
    deactivated = [e for e in events if e["event"] == "scim-user-deactivated"]
    assert deactivated and deactivated[0]["signed_out"] == 1
    assert deactivated[0]["api_keys_revoked"] == 1
    assert deactivated[0]["organisation"] == "gloucestershire"
    assert any(e["event"] == "api-key-revoked" for e in events)


# --- The token itself ---------------------------------------------------------------------------


def test_the_token_is_stored_hashed(capsys):
    call_command("create_scim_token", "Glos Entra", "--force", "gloucestershire")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("scim_") and " " not in secret
    token = ScimToken.objects.get(name="Glos Entra")
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps(list(ScimToken.objects.values()), default=str)
    assert secret not in stored and secret[10:] not in stored
    assert ScimClient(secret).get("/ServiceProviderConfig").status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        (["Bad", "--force", "atlantis"], "unknown force: atlantis"),
        (["Both", "--force", "gloucestershire", "--inspectorate"], "not allowed with"),
        (["Neither"], "one of the arguments --force --inspectorate is required"),
        (["   ", "--inspectorate"], "Enter a name"),
        (["Bad\u202ename", "--inspectorate"], "direction"),
    ],
)
def test_create_scim_token_refuses_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_scim_token", *args)
    assert not ScimToken.objects.exists()


def test_a_name_in_use_is_refused(capsys):
    call_command("create_scim_token", "Inspectorate IdP", "--inspectorate")
    with pytest.raises(CommandError, match="already a SCIM token"):
        call_command("create_scim_token", "Inspectorate IdP", "--force", "gloucestershire")
    assert ScimToken.objects.count() == 1


def test_a_revoked_token_is_refused(scim_token):
    token, secret = scim_token("gloucestershire")
    assert ScimClient(secret).get("/Users").status_code == 200
    call_command("revoke_scim_token", token.name)
    _is_error(ScimClient(secret).get("/Users"), 401)
    with pytest.raises(CommandError, match="no SCIM token called"):
        call_command("revoke_scim_token", "nobody's")


def test_a_scim_token_is_not_an_api_token(scim_token):
    _token, secret = scim_token("gloucestershire")
    response = Client().get("/api/v1/items/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


# --- Other doors are not SCIM's ---------------------------------------------------------------


def test_a_password_only_session_cannot_reach_scim(make_user):
    admin = make_user("admin", "admin")
    TOTPDevice.objects.create(user=admin, name="App", confirmed=True)
    client = Client()
    assert (
        client.post(reverse("login"), {"username": "admin", "password": PASSWORD}).status_code
        == 302
    )
    for path in ("/Users", "/ServiceProviderConfig", "/Schemas"):
        response = client.get(BASE + path)
        assert response.status_code == 302 and response["Location"] == reverse("two_factor_verify")
    response = client.post(
        BASE + "/Users", json.dumps(user_body("via.session")), content_type="application/scim+json"
    )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="via.session").exists()


def test_the_two_factor_sweep_walks_scim_too():
    """The URL sweep (test_two_factor_sweep.py) reaches every SCIM route with a
    password-only session, so a SCIM route that answered such a session would fail it."""
    from tests.security.test_two_factor_sweep import every_url

    names = {name for name, _path in every_url(1)}
    assert {
        "scim:users",
        "scim:users-search",
        "scim:search",
        "scim:service-provider-config",
        "scim:resource-types",
        "scim:schemas",
        "scim:not_found",
    } <= names


def test_a_verified_session_is_not_a_scim_token(make_user):
    admin = make_user("admin", "admin")
    client = sign_in(Client(enforce_csrf_checks=True), admin)
    _is_error(client.get(BASE + "/Users"), 401)
    response = client.post(
        BASE + "/Users", json.dumps(user_body("via.session")), content_type="application/scim+json"
    )
    _is_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
    assert not get_user_model().objects.filter(username="via.session").exists()


def test_an_api_token_is_not_a_scim_token(make_user):
    admin = make_user("admin", "admin")
    _token, secret = api_services.token_create(user=admin, name="Mine", days=30)
    client = ScimClient(secret)
    _is_error(client.get("/Users"), 401)
    _is_error(client.post("/Users", user_body("via.api")), 401)
    assert not get_user_model().objects.filter(username="via.api").exists()


def test_no_token_or_a_wrong_one_is_401(scim_token):
    _token, secret = scim_token("gloucestershire")
    for bad in (None, "scim_not-a-token", secret + "x", "Basic dXNlcjpwYXNz"):
        response = ScimClient(bad).get("/Users")
        _is_error(response, 401)
    assert (
        Client().get(BASE + "/Users", headers={"Authorization": "Bearer " + "é" * 10}).status_code
        == 401
    )


def test_scim_is_csrf_exempt_with_a_token_only(scim_token):
    _token, secret = scim_token("gloucestershire")
    client = ScimClient(secret, Client(enforce_csrf_checks=True))
    assert client.post("/Users", user_body("csrf.ok")).status_code == 201


# --- Bounded input --------------------------------------------------------------------------------


def test_a_body_too_large_is_413(scim_as, settings):
    client = scim_as("gloucestershire")
    big = user_body("big", name={"givenName": "x" * (settings.API_MAX_BODY_BYTES + 10)})
    _is_error(client.post("/Users", big), 413)
    assert not get_user_model().objects.filter(username="big").exists()


def test_a_body_too_deep_is_400(scim_as, settings):
    client = scim_as("gloucestershire")
    deep = "[" * 100_000 + "]" * 100_000
    _is_error(client.post("/Users", deep), 400)
    nested = json.dumps(user_body("deep", name=_nest(settings.API_MAX_JSON_DEPTH + 1)))
    _is_error(client.post("/Users", nested), 400)
    assert not get_user_model().objects.filter(username="deep").exists()


def _nest(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "body, status",
    [
        ("not json", 400),
        (b"\xff\xfe", 400),
        ("", 400),
        ("[]", 400),
        (json.dumps({"userName": ""}), 400),
        (json.dumps({"userName": "has space"}), 400),
        (json.dumps({"userName": "x" * 151}), 400),
        (json.dumps({"userName": 5}), 400),
        (json.dumps({"userName": "ok1", "name": {"givenName": "Sam\u0007"}}), 400),
        (json.dumps({"userName": "ok2", "name": {"familyName": "Jo\u202ees"}}), 400),
        (json.dumps({"userName": "ok3", "name": "Sam"}), 400),
        (json.dumps({"userName": "ok4", "emails": [{"value": "not an address"}]}), 400),
        (json.dumps({"userName": "ok5", "emails": "x@example.org"}), 400),
        (json.dumps({"userName": "ok6", "active": "maybe"}), 400),
        (json.dumps({"userName": "ok7", "password": "s3cret-pass-word"}), 400),
        (json.dumps({"userName": "ok8", "schemas": ["urn:other"]}), 400),
        (json.dumps({"userName": "ok9", "externalId": ["x"]}), 400),
    ],
)
def test_bad_bodies_are_scim_errors_and_create_nobody(body, status, scim_as):
    before = get_user_model().objects.count()
    _is_error(scim_as("gloucestershire").post("/Users", body), status)
    assert get_user_model().objects.count() == before


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "remove", "path": "active"}],
        [{"op": "remove", "path": "userName"}],
        [{"op": "remove"}],
        [{"op": "move", "path": "active", "value": False}],
        [{"op": "replace", "path": "password", "value": "s3cret-pass-word"}],
        [
            {"op": "replace", "path": "name.givenName", "value": "Ok"},
            {"op": "replace", "path": "active", "value": "nope"},
        ],
        [{"op": "replace", "path": "a" * 300, "value": "x"}],
        ["not an object"],
        [],
    ],
)
def test_bad_patches_change_nothing(operations, make_user, scim_as):
    officer = make_user("liaison-officer", "officer")
    response = scim_as("gloucestershire").patch(
        f"/Users/{scim_id(officer)}", patch_body(*operations)
    )
    _is_error(response, 400)
    after = get_user_model().objects.get(pk=officer.pk)
    assert after.is_active and after.first_name == "" and after.has_usable_password()


def test_roles_and_attributes_not_kept_are_ignored_not_granted(make_user, scim_as):
    """An identity provider's default mappings (title, phone numbers, the enterprise
    extension) and any roles it sends are ignored: roles never come from SCIM."""
    officer = make_user("liaison-officer", "officer")
    response = scim_as("gloucestershire").patch(
        f"/Users/{scim_id(officer)}",
        patch_body(
            {"op": "replace", "path": "roles", "value": [{"value": "admin"}]},
            {"op": "add", "path": "groups", "value": [{"value": "Administrator"}]},
            {"op": "replace", "path": "title", "value": "Chief Inspector"},
            {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "0123"},
            {
                "op": "replace",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "value": "HQ",
            },
            {"op": "replace", "path": "name.givenName", "value": "Kept"},
        ),
    )
    assert response.status_code == 200, response.content
    after = get_user_model().objects.get(pk=officer.pk)
    assert after.first_name == "Kept"
    assert [g.name for g in after.groups.all()] == [oracle_group("liaison-officer")]
    assert not after.is_staff and not after.is_superuser


@pytest.mark.parametrize(
    "text",
    [
        'nickName eq "x"',
        'userName eq "a" or title eq "b"',
        "(" * 20 + 'userName eq "a"' + ")" * 20,
        'userName eq "' + "a" * 600 + '"',
        'active eq "banana"',
        "userName eq",
        'userName zz "a"',
        " or ".join(['userName eq "a"'] * 40),
    ],
)
def test_bad_filters_are_400(text, make_user, scim_as):
    make_user("liaison-officer", "officer")
    response = scim_as("gloucestershire").get("/Users", {"filter": text})
    _is_error(response, 400)
    assert response.json()["scimType"] == "invalidFilter"


def test_filters_match_within_the_organisation(make_user, scim_as):
    mine = make_user("liaison-officer", "glos.sam")
    make_user("liaison-officer", "wm.sam", force_slugs=["west-midlands"])
    client = scim_as("gloucestershire")
    for text, expected in (
        ('userName eq "GLOS.SAM"', ["glos.sam"]),
        ('userName sw "wm."', []),
        ('userName co "sam"', ["glos.sam"]),
        ('emails.value eq "glos.sam@example.org"', ["glos.sam"]),
        ('emails[type eq "work"].value eq "glos.sam@example.org"', ["glos.sam"]),
        ("active eq true", ["glos.sam"]),
        ("active eq false", []),
        (f'id eq "{scim_id(mine)}"', ["glos.sam"]),
        ('externalId eq "nope"', []),
        ('not (userName eq "glos.sam")', []),
    ):
        listed = client.get("/Users", {"filter": text})
        assert listed.status_code == 200, (text, listed.content)
        assert [r["userName"] for r in listed.json()["Resources"]] == expected, text


def test_paging_is_bounded(make_user, scim_as):
    for n in range(3):
        make_user("liaison-officer", f"officer{n}")
    client = scim_as("gloucestershire")
    page = client.get("/Users", {"count": "100000", "startIndex": "-5"}).json()
    assert page["startIndex"] == 1 and page["totalResults"] == 3 and page["itemsPerPage"] == 3
    assert client.get("/Users", {"count": "0"}).json()["Resources"] == []
    second = client.get("/Users", {"count": "1", "startIndex": "2"}).json()
    assert second["itemsPerPage"] == 1 and second["startIndex"] == 2
    _is_error(client.get("/Users", {"count": "many"}), 400)
    _is_error(client.get("/Users", {"startIndex": "9" * 40}), 400)


@pytest.mark.parametrize(
    "ident", ["1", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00"]
)
def test_unknown_ids_are_404(ident, scim_as):
    _is_error(scim_as("gloucestershire").get(f"/Users/{ident}"), 404)


def test_groups_bulk_and_me_are_scim_errors(scim_as):
    client = scim_as("gloucestershire")
    _is_error(client.get("/Groups"), 404)
    _is_error(client.post("/Bulk", {"Operations": []}), 501)
    _is_error(client.get("/Me"), 501)
    _is_error(client.post("/ServiceProviderConfig", {}), 405)
