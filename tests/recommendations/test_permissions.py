"""Every URL × every role × own force / other force in the region / force in another
region × GET and POST, with the expected status code worked out from the policy table
and the roles' permissions; and a sweep that fails when a URL escapes the matrix."""

import io
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from forces.models import Force
from forces.users import user_set_role
from recommendations import policy, services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests import oracle
from tests.conftest import PEOPLE, sign_in
from tests.factories import FindingFactory, ReportFactory, make_item

SCOPES = {
    "own": "gloucestershire",
    "same-region": "devon-and-cornwall",
    "other-region": "west-midlands",
}
ITEM_PAGES = [
    "recommendations:item",
    "recommendations:history",
    "recommendations:history_csv",
    "recommendations:item_print",
    "recommendations:portal_page",
]
GLOBAL_PAGES = [
    "recommendations:dashboard",
    "recommendations:list",
    "recommendations:reports",
    "recommendations:report",
    "recommendations:report_print",
    "recommendations:export_csv",
    "recommendations:export_xlsx",
]
ADMIN_PAGES = ["recommendations:report_new", "recommendations:finding_new"]
ALLOW_LIST = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "accessibility",
    "moj_asset",
}
LOGIN_ONLY = {"password_change", "password_change_done", "language"}  # language: issue 30
SESSION_PAGES = ["session_extend"]
TWO_FACTOR_PAGES = {
    "two_factor_verify",
    "two_factor_setup",
    "two_factor_recovery",
    "two_factor_codes",
    "two_factor_reset",
    "step_up",
    # Passkeys: their own matrix in tests/tracker/test_passkeys.py and
    # tests/security/test_passkeys.py, and the two-factor sweep.
    "passkeys",
    "passkey_add",
    "passkey_name",
    "passkey_remove",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
}
# Steps of signing in with an organisation's account, open before a session exists:
# their matrix (SSO_GRANTS in tests/oracle.py) is tests/identity and
# tests/security/test_oidc_trust.py. The callback refuses a visit it did not start (400).
SIGN_IN_STEPS = {"oidc_callback", "access_pending"}


def scim_url_names() -> set[str]:
    """SCIM's door takes only an organisation's SCIM token: its matrix (SCIM_MANAGES in
    tests/oracle.py) is tests/security/test_scim.py; without a token, 401."""
    return {name for name in all_url_names() if name.startswith("scim:")}


def sees(role, scope):
    """From the hand-written oracle (tests/oracle.py), never from the policy."""
    return oracle.sees(role, scope)


def may_act(role, scope, action):
    """From the hand-written oracle (tests/oracle.py), never from the policy."""
    return oracle.may(role, scope, str(action))


def item_in_state_for(action, force_slug, proposer):
    """An item of the force in the state the oracle tries the action in."""
    item = make_item(force=force_slug)
    state = oracle.STATE[str(action)]
    if state in ("being-progressed", "proposed", "complete", "recheck-due"):
        services.status_change(item=item, by=proposer, to=Status.BEING_PROGRESSED)
    if state in ("proposed", "complete", "recheck-due"):
        services.closure_propose(verified_by="documents", item=item, by=proposer, reason="Met")
    if state in ("complete", "recheck-due"):
        region = item.force.region
        decider, _ = user_set_role(
            username=f"decider-{region.slug}", role="chief-of-staff", region_slug=region.slug
        )
        services.closure_authorise(item=item, by=decider)
    if state == "recheck-due":  # the chief asked for a re-check, which has come
        TrackedItem.objects.filter(pk=item.pk).update(recheck_on=item.last_entry_on)
    return TrackedItem.objects.get(pk=item.pk)


def test_the_oracle_covers_every_action_of_the_policy():
    """Coverage only: the oracle's answers are its own, but it must have a row for every
    action the portal offers, and no row for one it does not."""
    assert set(oracle.MAY) == {a.value for a in policy.ACTIONS}
    assert set(oracle.STATE) == set(oracle.MAY)


def public_words(item):
    """The item's public entry with words ("Authorised for closure."), for add-welsh."""
    entry = TimelineEntry.objects.filter(item=item, visibility="public").exclude(text="").first()
    return entry.pk if entry else ""


def valid_post(action, item, proposer):
    return {
        "progress-update": {"text": "Update from the force"},
        "comment": {"text": "A comment", "visibility": "internal"},
        "add-welsh": {"entry": public_words(item), "text": "Awdurdodwyd i'w gau."},
        "owner": {
            "owner_name": "Lee",
            "owner_rank": "Supt",
            "owner_department": "Intel",
            "version": item.version,
        },
        "review": {},
        "no-further-action": {"reason": "Superseded by a later inspection"},
        "propose-closure": {"reason": "The force has met it", "verified_by": "documents"},
        "authorise-closure": {},
        "return-closure": {"reason": "Need the audit results"},
        "withdraw-closure": {"reason": "Needs another look first"},
        "assign-lead": {"lead": proposer.pk},
        "reopen": {
            "reason": "The 2026 inspection found it still present",
            "public_reason": "A later inspection found the problem still present",
        },
        "recheck": {"reason": "Reality tested in the 2027 inspection's fieldwork"},
    }[action]


def snapshot(item):
    return (
        TimelineEntry.objects.filter(item=item).count(),
        item.history.count(),
        ClosureProposal.objects.filter(item=item).count(),
        ClosureProposal.history.filter(item_id=item.pk).count(),
    )


@pytest.fixture
def proposer(make_user):
    return make_user(
        "liaison-lead",
        "proposer",
        force_slugs=["gloucestershire", "devon-and-cornwall", "west-midlands"],
    )


CASES = [
    (role, scope, action, method)
    for role in PEOPLE
    for scope in SCOPES
    for action in oracle.MAY
    for method in ("GET", "POST")
]


@pytest.mark.django_db
@pytest.mark.parametrize("role,scope,action,method", CASES)
def test_action_matrix(client_as, proposer, role, scope, action, method):
    item = item_in_state_for(action, SCOPES[scope], proposer)
    url = reverse("recommendations:action", args=[item.pk, action])
    before = snapshot(item)
    client = client_as(role)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, valid_post(action, item, proposer))
    if not sees(role, scope):
        expected = 404
    elif not may_act(role, scope, action):
        expected = 403
    else:
        expected = 200 if method == "GET" else 302
    assert response.status_code == expected
    if expected != 302:
        assert snapshot(item) == before
    else:
        assert snapshot(item) != before


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("name", ITEM_PAGES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_item_pages_matrix(client_as, role, scope, name, method):
    item = make_item(force=SCOPES[scope])
    before = snapshot(item)
    url = reverse(name, args=[item.pk])
    response = getattr(client_as(role), method.lower())(url)
    if method == "POST":
        assert response.status_code == 405  # for every id alike, so nothing leaks
    else:
        assert response.status_code == (200 if sees(role, scope) else 404)
    assert snapshot(item) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("name", GLOBAL_PAGES + ADMIN_PAGES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_global_pages_matrix(client_as, role, name, method):
    report = ReportFactory(slug="peel-2016")
    make_item(force="gloucestershire", finding=FindingFactory(report=report))
    kwargs = (
        {"slug": report.slug}
        if name
        in ("recommendations:report", "recommendations:report_print", "recommendations:finding_new")
        else {}
    )
    url = reverse(name, kwargs=kwargs)
    count_before = TrackedItem.objects.count()
    response = getattr(client_as(role), method.lower())(url)
    if name in ADMIN_PAGES:
        if not oracle.may_page(role, "publish-report"):
            expected = 403
        else:
            expected = 200 if method == "GET" else 400  # an empty POST is invalid
    else:
        expected = 200 if method == "GET" else 405
    assert response.status_code == expected
    assert TrackedItem.objects.count() == count_before


def engage_url_names():
    from tests.engage.test_permissions import ENGAGE_PAGES

    return ENGAGE_PAGES


def api_url_names():
    from tests.api.test_permissions import API_URL_NAMES

    return API_URL_NAMES


def api_token_endpoints():
    from tests.api.test_permissions import TOKEN_ENDPOINTS

    return TOKEN_ENDPOINTS


def all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from all_url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_in_the_matrix_or_allow_listed():
    covered = set(ITEM_PAGES + GLOBAL_PAGES + ADMIN_PAGES) | {"recommendations:action"}
    covered |= set(IMPORT_PAGES) | set(SESSION_PAGES) | TWO_FACTOR_PAGES
    covered |= set(FORCE_PAGES)
    covered |= set(RESPONSE_PAGES)
    covered |= api_url_names()  # the API's own matrix and sweep: tests/api/test_permissions.py
    covered |= set(SAVED_VIEW_PAGES)
    covered |= set(FINDING_PAGES) | set(BULK_PAGES)
    covered |= set(EVIDENCE_PAGES)
    covered |= set(PUBLIC_PAGES)
    covered |= SIGN_IN_STEPS | scim_url_names()
    covered |= set(engage_url_names())  # their matrix: tests/engage/test_permissions.py
    covered |= {"recommendations:reports_json"}  # its matrix: tests/recommendations/test_counts.py
    missing = [
        name
        for name in all_url_names()
        if not name.startswith("admin:")
        and name not in covered
        and name not in ALLOW_LIST
        and name not in LOGIN_ONLY
    ]
    assert missing == [], f"URLs with no row in the permission matrix: {missing}"


IMPORT_PAGES = [
    "recommendations:import",
    "recommendations:import_confirm",
    "recommendations:import_status",
]


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login_from_every_page(client, item):
    samples = {
        "pk": item.pk,
        "action": "comment",
        "slug": "x",
        "force": "gloucestershire",
        "evidence_id": 1,
    }  # two_factor_reset: a user pk
    for name in all_url_names():
        if name in ALLOW_LIST or name.startswith("admin:") or name in api_token_endpoints():
            continue
        if name in PUBLIC_PAGES:  # the public portal: open to all (test_public_pages_matrix)
            continue  # the API answers 401 without a token (tests/api/test_permissions.py)
        if name in SIGN_IN_STEPS or name.startswith("otp_webauthn:"):
            continue  # signing in itself: tests/identity, tests/security/test_passkeys.py
        if name.startswith("scim:"):  # a token door, like the API: 401, never a page
            pattern = next(p for p in _patterns() if p[0] == name)
            if not pattern[1]:
                assert client.get(reverse(name)).status_code in (401, 404, 405), name
            continue
        pattern = next(p for p in _patterns() if p[0] == name)
        kwargs = {k: samples[k] for k in pattern[1]}
        if name == "recommendations:import_status":
            kwargs = {"pk": uuid.uuid4()}
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def _patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _patterns(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", list(pattern.pattern.regex.groupindex)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", sorted(ALLOW_LIST - {"logout", "password_reset_confirm", "moj_asset"})
)
def test_allow_listed_pages_are_open(client, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_import_pages_matrix(client_as, role, method):
    client = client_as(role)
    may_import = oracle.may_page(role, "import-pages")
    upload = getattr(client, method.lower())(reverse("recommendations:import"))
    confirm = getattr(client, method.lower())(reverse("recommendations:import_confirm"))
    if not may_import:
        assert (upload.status_code, confirm.status_code) == (403, 403)
    elif method == "GET":
        assert (upload.status_code, confirm.status_code) == (200, 405)
    else:
        # An empty upload is invalid; a confirmation with nothing previewed goes back.
        assert (upload.status_code, confirm.status_code) == (400, 302)
    assert TrackedItem.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
def test_session_keep_alive_matrix(client_as, role):
    client = client_as(role)
    assert client.get(reverse("session_extend")).status_code == 405
    assert client.post(reverse("session_extend")).status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LOGIN_ONLY))
def test_login_only_pages_need_a_sign_in(client, client_as, name):
    assert client.get(reverse(name)).status_code == 302
    assert client_as("inspector").get(reverse(name)).status_code == 200


def _page_adding_a_comment(item):
    from recommendations.portal_format import importing

    text = importing.item_page_text(TrackedItem.objects.get(pk=item.pk))
    return text + "\n\n[on]3rd March 2017 [comment]Imported progress[/comment][/on]"


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("scope", SCOPES)
def test_import_upload_and_confirm_matrix(client_as, role, scope):
    """Upload then confirm a page adding an entry to an item of each scope: only people
    who may import and act for the item's force change it; nobody else learns anything
    of the item's stored timeline."""
    report = ReportFactory(slug="peel-2016")
    item = make_item(force=SCOPES[scope], finding=FindingFactory(report=report))
    before = snapshot(item)
    handle = io.BytesIO(_page_adding_a_comment(item).encode())
    handle.name = "page.txt"
    client = client_as(role)
    upload = client.post(
        reverse("recommendations:import"), {"report": "peel-2016", "files": [handle]}
    )
    pending = upload.context.get("pending") if upload.context else None
    confirm = client.post(
        reverse("recommendations:import_confirm"), {"import_id": pending.pk if pending else ""}
    )
    if not oracle.may_page(role, "import-pages"):
        assert (upload.status_code, confirm.status_code) == (403, 403)
    elif oracle.may_for_force(role, scope, "record-response") and role != "liaison-officer":
        # Importing for a force: a lead for their own forces, an administrator for any
        # (the same reach as recording a response, without the officers).
        assert (upload.status_code, confirm.status_code) == (200, 200)
        assert snapshot(item)[0] == before[0] + 1
        status = client.get(reverse("recommendations:import_status", args=[pending.pk]))
        assert status.status_code == 200
        assert client_as("inspector").get(
            reverse("recommendations:import_status", args=[pending.pk])
        ).status_code in (403, 404)
        return
    else:
        assert (upload.status_code, confirm.status_code) == (400, 302)
        assert "you do not act for" in upload.content.decode()
        assert "Imported progress" not in upload.content.decode()
    assert snapshot(item) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
def test_two_factor_pages_matrix(client_as, people, role):
    """With two-factor satisfied: set-up and codes show, the code pages send you on,
    and only administrators may reset someone's second factor."""
    client = client_as(role)
    assert client.get(reverse("two_factor_setup")).status_code == 200
    assert client.get(reverse("two_factor_codes")).status_code == 200
    assert client.get(reverse("two_factor_verify")).status_code == 302
    assert client.get(reverse("two_factor_recovery")).status_code == 302
    assert client.get(reverse("step_up")).status_code == 200  # a verified session
    target = people["liaison-officer"]
    reset = client.post(reverse("two_factor_reset", args=[target.pk]))
    assert reset.status_code == (302 if oracle.may_page(role, "reset-two-factor") else 403)
    assert client.get(reverse("two_factor_reset", args=[target.pk])).status_code in (403, 405)


SAVED_VIEW_PAGES = [
    "savedsearches:list",
    "savedsearches:new",
    "savedsearches:open",
    "savedsearches:delete",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("owner", ["self", "someone-else"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_saved_view_pages_matrix(client_as, make_user, role, owner, method):
    """Every role may keep saved views; each is its owner's alone: another person's is
    "Page not found" for reading and deleting, and stays."""
    from savedsearches.models import SavedSearch

    client = client_as(role)
    user = client.get(reverse("savedsearches:list")).wsgi_request.user
    other = make_user("inspector", username="someone-else")
    view = SavedSearch.objects.create(
        owner=user if owner == "self" else other, name="Overdue", query="overdue=yes"
    )
    go = getattr(client, method.lower())
    listing = go(reverse("savedsearches:list"))
    new = go(reverse("savedsearches:new"))
    opened = go(reverse("savedsearches:open", args=[view.pk]))
    delete = go(reverse("savedsearches:delete", args=[view.pk]))
    if method == "GET":
        assert (listing.status_code, new.status_code) == (200, 200)
        expected = (302, 200) if owner == "self" else (404, 404)
        assert (opened.status_code, delete.status_code) == expected
    else:
        assert (listing.status_code, new.status_code, opened.status_code) == (405, 400, 405)
        assert delete.status_code == (302 if owner == "self" else 404)
    kept = SavedSearch.objects.filter(pk=view.pk).exists()
    assert kept == (owner != "self" or method == "GET")


RESPONSE_PAGES = ["responses:record", "responses:csv"]


# The PCC's s.55 response (issue 28) is written by the force's PCC office, whose scope is
# its PCC office recipient and who reads (only) the police force it serves; liaison leads
# and administrators record responses too (the inspectorate tracks them); the force's
# own liaison officers no longer do. Hand-written here, never read from the policy.
RESPONSE_WRITERS = {
    "pcc-office": frozenset({"own"}),
    "liaison-lead": frozenset({"own"}),
    "admin": frozenset(SCOPES),
}
RESPONSE_ROLES = [*PEOPLE, *(() if "pcc-office" in PEOPLE else ("pcc-office",))]


def may_record_response(role, scope):
    return scope in RESPONSE_WRITERS.get(role, ())


def sees_response(role, scope):
    """The PCC office of Gloucestershire sees the items of Gloucestershire (`own`) only."""
    return scope == "own" if role == "pcc-office" else sees(role, scope)


def response_client(client_as, make_user, role):
    if role in PEOPLE:
        return client_as(role)
    return client_as(make_user(role, force_slugs=[SCOPES["own"]]))


@pytest.mark.django_db
@pytest.mark.parametrize("role", RESPONSE_ROLES)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_pcc_response_pages_matrix(client_as, make_user, role, scope, method):
    """The response form: 404 outside scope, 403 for those who see but may not record
    (the force's liaison officers among them), and a change only for those who may. The
    CSV: every signed-in person, their scope's rows only."""
    from responses.models import PccResponse

    report = ReportFactory(slug="peel-2016", response_required=True)
    item = make_item(force=SCOPES[scope], finding=FindingFactory(report=report))
    client = response_client(client_as, make_user, role)
    form_url = reverse("responses:record", args=[report.slug, SCOPES[scope]])
    data = {
        "received_0": "1",
        "received_1": "5",
        "received_2": "2017",
        "url": "https://pcc.example.org/response.pdf",
        f"answer_{item.pk}": "accepted",
    }
    response = client.get(form_url) if method == "GET" else client.post(form_url, data)
    if not sees_response(role, scope):
        expected = 404
    elif not may_record_response(role, scope):
        expected = 403
    else:
        expected = 200 if method == "GET" else 302
    assert response.status_code == expected
    assert PccResponse.objects.exists() == (expected == 302)
    csv_url = reverse("responses:csv", args=[report.slug])
    if method == "POST":
        assert client.post(csv_url).status_code == 405
        return
    download = client.get(csv_url)
    assert download.status_code == 200
    lines = download.content.decode().splitlines()
    assert lines[0] == "force,report,published,due,received,response_url,reference,answer"
    assert len(lines) == (2 if sees_response(role, scope) else 1)
    # The report page offers the form exactly to those who may use it.
    page = client.get(reverse("recommendations:report", args=[report.slug]))
    assert (form_url in page.content.decode()) == (expected == 200)


# The national view (issue 16): a finding's page and its CSV show the copies of the
# person's scope (404 when they see none); bulk actions check every selected item.
FINDING_PAGES = ["recommendations:finding", "recommendations:finding_export"]
BULK_PAGES = ["recommendations:bulk", "recommendations:bulk_result"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("name", FINDING_PAGES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_finding_pages_matrix(client_as, role, scope, name, method):
    item = make_item(force=SCOPES[scope])
    before = snapshot(item)
    url = reverse(name, args=[item.finding_id])
    response = getattr(client_as(role), method.lower())(url)
    if method == "POST":
        assert response.status_code == 405
    else:
        assert response.status_code == (200 if sees(role, scope) else 404)
    assert snapshot(item) == before


BULK_PERMISSIONS = {
    "comment_on_item",
    "propose_closure",
    "authorise_closure",
    "add_progress_update",
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("scope", SCOPES)
def test_bulk_pages_matrix(client_as, proposer, role, scope):
    """Choosing an action for an item of each scope: 404 outside scope; otherwise the
    choice lists exactly the bulk actions the policy allows on it; confirming an action
    the person may not take is 403 and changes nothing."""
    item = item_in_state_for("authorise-closure", SCOPES[scope], proposer)
    before = snapshot(item)
    client = client_as(role)
    url = reverse("recommendations:bulk")
    assert client.get(url).status_code == 405
    response = client.post(url, {"item": [item.pk]})
    if not sees(role, scope):
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        offered = {name for name, _ in response.context["allowed"]}
        expected = {
            a
            for a in ("comment", "propose-closure", "authorise-closure", "return-closure", "owner")
            # the item's proposal is open, so closure cannot be proposed again
            if may_act(role, scope, a) and a != "propose-closure"
        }
        assert offered == expected
        confirm = client.post(
            url,
            {"item": [item.pk], "step": "confirm", "action": "return-closure", "reason": "No"},
        )
        if role in oracle.MAY["return-closure"]:
            assert confirm.status_code == 302
        else:
            assert confirm.status_code == 403
            assert snapshot(item) == before
    result = client.get(reverse("recommendations:bulk_result"))
    assert result.status_code in (200, 302)
    assert client.post(reverse("recommendations:bulk_result")).status_code == 405


EVIDENCE_PAGES = ["evidence:download", "evidence:remove"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("scope", SCOPES)
def test_evidence_upload_download_and_remove_matrix(client_as, people, role, scope):
    """Attaching a file goes with the action (the action matrix's rule); downloading needs
    only to see the item (404 outside the scope); removing is for administrators (403 for
    everyone else who can see the item), and changes nothing when refused."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.models import Evidence

    item = make_item(force=SCOPES[scope])
    client = client_as(role)
    pdf = b"%PDF-1.4\n%%EOF\n"
    upload = client.post(
        reverse("recommendations:action", args=[item.pk, "progress-update"]),
        {"text": "With a file", "files": [SimpleUploadedFile("plan.pdf", pdf)]},
    )
    if not sees(role, scope):
        assert upload.status_code == 404
    elif not may_act(role, scope, "progress-update"):
        assert upload.status_code == 403
    else:
        assert upload.status_code == 302
    if not Evidence.objects.filter(item=item).exists():
        services.comment_add(
            item=item,
            by=people["admin"],
            text="Evidence",
            action=policy.Action.PROGRESS_UPDATE,
            files=[_checked("plan.pdf", pdf)],
        )
    evidence = Evidence.objects.get(item=item)
    before = snapshot(item)
    download = reverse("evidence:download", args=[item.pk, evidence.pk])
    remove = reverse("evidence:remove", args=[item.pk, evidence.pk])
    assert client.get(download).status_code == (200 if sees(role, scope) else 404)
    assert client.post(download).status_code == 405
    may_remove = oracle.may_for_force(role, scope, "remove-evidence")
    expected_remove = 404 if not sees(role, scope) else 200 if may_remove else 403
    assert client.get(remove).status_code == expected_remove
    refused = client.post(remove, {"reason": "Wrong file"})
    if may_remove:
        assert refused.status_code == 302
        assert snapshot(item)[0] == before[0] + 1  # the tombstone entry
    else:
        assert refused.status_code == expected_remove
        assert snapshot(item) == before
        evidence.refresh_from_db()
        assert not evidence.removed


def _checked(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.checks import inspect

    return inspect(SimpleUploadedFile(name, content), max_bytes=10**6)


# The public monitoring portal (issue 15): the same for everyone, signed in or not, in
# every role and for every force's items; GET only.
PUBLIC_PAGES = [
    "monitoring:index",
    "monitoring:data_csv",
    "monitoring:data_json",
    "monitoring:sitemap",
    "monitoring:force",
    "monitoring:item",
    "monitoring:portal_page",
    "monitoring:legacy",
    "monitoring:every_force",
    "monitoring:engage",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *PEOPLE])
@pytest.mark.parametrize("scope", SCOPES)
def test_public_pages_matrix(client, client_as, role, scope):
    from django.test import Client

    item = make_item(force=SCOPES[scope])
    visitor = Client() if role is None else client_as(role)
    args = {
        "monitoring:force": [item.force.slug],
        "monitoring:item": [item.force.slug, item.portal_id],
        "monitoring:portal_page": [item.force.slug, item.portal_id],
        "monitoring:legacy": [item.force.slug, item.portal_id],
        "monitoring:every_force": [item.finding_id],
    }
    for name in PUBLIC_PAGES:
        url = reverse(name, args=args.get(name))
        expected = 301 if name == "monitoring:legacy" else 200
        assert visitor.get(url).status_code == expected, (name, role)
        assert visitor.post(url).status_code in (403, 405), (name, role)  # CSRF or method
        control = visitor.get(url)["Cache-Control"] if expected == 200 else None
        if expected == 200:
            assert control == ("no-store" if role else "public, max-age=0, must-revalidate")


FORCE_PAGES = ["recommendations:force_lead"]


def may_reassign_force_lead(role, scope):
    return oracle.may_for_force(role, scope, "assign-force-lead")


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_force_lead_page_matrix(client_as, proposer, role, scope, method):
    """Reassigning a force's liaison lead: 404 for a force outside the person's scope,
    403 for one they see but may not reassign; administrators and the chief of staff of
    the force's region change every open item."""
    item = make_item(force=SCOPES[scope])
    before = snapshot(item)
    url = reverse("recommendations:force_lead", args=[SCOPES[scope]])
    client = client_as(role)
    response = (
        client.get(url)
        if method == "GET"
        else client.post(url, {"lead": proposer.pk, "confirm": "yes"})
    )
    if not sees(role, scope):
        expected = 404
    elif not may_reassign_force_lead(role, scope):
        expected = 403
    else:
        expected = 200 if method == "GET" else 302
    assert response.status_code == expected
    if expected == 302:
        assert TrackedItem.objects.get(pk=item.pk).liaison_lead_id == proposer.pk
        assert snapshot(item) != before
    else:
        assert snapshot(item) == before


# --- Recipients beyond the 44 forces (issue 28): the PCC office's role, a PCC office's
# own items, and a national body's (own recipient / same group / other). The expected
# answers are the oracle's (ALL_SCOPES); the people and items are built once for the
# class (`recipient_world`, inside a transaction rolled back after it) and each action
# is tried inside a savepoint rolled back after it, so the class stays quick.

RECIPIENT_SLUGS = {
    **SCOPES,
    "own-pcc-office": "gloucestershire-pcc",
    "own-recipient": "college-of-policing",
    "same-group": "npcc",
    "other-group": "gloucestershire",
}
# The people the national scopes are seen from: the College of Policing's officer and
# lead, the National region's chief of staff; the rest as everywhere else.
NATIONAL_PEOPLE = {
    "liaison-officer": dict(role="liaison-officer", force_slugs=["college-of-policing"]),
    "liaison-lead": dict(role="liaison-lead", force_slugs=["college-of-policing"]),
    "chief-of-staff": dict(role="chief-of-staff", region_slug="national"),
    "inspector": dict(role="inspector"),
    "admin": dict(role="admin"),
    "pcc-office": dict(role="pcc-office", force_slugs=["gloucestershire"]),
}
FORCE_PEOPLE = {**PEOPLE, "pcc-office": NATIONAL_PEOPLE["pcc-office"]}
STATES = ("awaiting-review", "being-progressed", "proposed", "complete", "recheck-due")
# (role, scope): the PCC office against the three force scopes (the other roles have
# them above), and every role against a PCC office's items and a national body's.
RECIPIENT_CASES = [("pcc-office", scope) for scope in oracle.SCOPES] + [
    (role, scope) for scope in oracle.RECIPIENT_SCOPES for role in oracle.ALL_ROLES
]


def _item_in_state(state, slug, proposer, deciders):
    item = make_item(force=slug)
    if state != "awaiting-review":
        services.status_change(item=item, by=proposer, to=Status.BEING_PROGRESSED)
    if state in ("proposed", "complete", "recheck-due"):
        services.closure_propose(verified_by="documents", item=item, by=proposer, reason="Met")
    if state in ("complete", "recheck-due"):
        services.closure_authorise(item=item, by=deciders[item.force.region.slug])
    if state == "recheck-due":
        TrackedItem.objects.filter(pk=item.pk).update(recheck_on=item.last_entry_on)
    return item.pk


@pytest.fixture(scope="class")
def recipient_world(django_db_setup, django_db_blocker):
    """The people (`force` and `national`, by role), another lead who proposes, and an
    item per scope and state, built once and rolled back after the class."""
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with django_db_blocker.unblock(), transaction.atomic():
        people = {}
        for group, specs in (("force", FORCE_PEOPLE), ("national", NATIONAL_PEOPLE)):
            people[group] = {}
            for role, spec in specs.items():
                user, _ = user_set_role(
                    username=f"{group}-{role}", password="pw-for-tests-1", **spec
                )
                TOTPDevice.objects.create(user=user, name="Tests", confirmed=True)
                people[group][role] = user
        proposer, _ = user_set_role(
            username="recipient-proposer",
            role="liaison-lead",
            force_slugs=sorted(set(RECIPIENT_SLUGS.values())),
        )
        deciders = {
            region: user_set_role(
                username=f"decider-{region}", role="chief-of-staff", region_slug=region
            )[0]
            for region in set(
                Force.objects.filter(slug__in=RECIPIENT_SLUGS.values()).values_list(
                    "region__slug", flat=True
                )
            )
        }
        items = {
            (scope, state): _item_in_state(state, slug, proposer, deciders)
            for scope, slug in RECIPIENT_SLUGS.items()
            for state in STATES
        }
        yield {"people": people, "proposer": proposer, "items": items}
        transaction.set_rollback(True)


def _person(world, role, scope):
    group = "national" if scope in ("own-recipient", "same-group", "other-group") else "force"
    return world["people"][group][role]


def _expected(role, scope, action, method):
    if not oracle.sees(role, scope):
        return 404
    if not oracle.may(role, scope, action):
        return 403
    return 200 if method == "GET" else 302


@pytest.mark.django_db
class TestRecipientMatrix:
    @pytest.mark.parametrize("role,scope", RECIPIENT_CASES)
    def test_actions(self, recipient_world, role, scope):
        """Every action on an item of the scope, GET and POST, as the oracle says; a
        refused POST changes nothing, an allowed one changes the item."""
        from django.db import transaction

        client = sign_in(Client(), _person(recipient_world, role, scope))
        proposer = recipient_world["proposer"]
        wrong = []
        for action in oracle.MAY:
            with transaction.atomic():
                item = TrackedItem.objects.get(
                    pk=recipient_world["items"][(scope, oracle.STATE[action])]
                )
                url = reverse("recommendations:action", args=[item.pk, action])
                before = snapshot(item)
                got = (
                    client.get(url).status_code,
                    client.post(url, valid_post(action, item, proposer)).status_code,
                )
                want = tuple(_expected(role, scope, action, m) for m in ("GET", "POST"))
                changed = snapshot(item) != before
                if got != want or changed != (want[1] == 302):
                    wrong.append((action, got, want, changed))
                transaction.set_rollback(True)
        assert wrong == []

    @pytest.mark.parametrize("role,scope", RECIPIENT_CASES)
    def test_pages(self, recipient_world, role, scope):
        """The item's pages, its finding's national view and CSV, and the recipient's
        liaison-lead page: found only in scope; the lead page as the oracle says."""
        from django.db import transaction

        client = sign_in(Client(), _person(recipient_world, role, scope))
        item = TrackedItem.objects.get(pk=recipient_world["items"][(scope, "awaiting-review")])
        seen = 200 if oracle.sees(role, scope) else 404
        for name in ITEM_PAGES:
            assert client.get(reverse(name, args=[item.pk])).status_code == seen, name
        for name in FINDING_PAGES:
            assert client.get(reverse(name, args=[item.finding_id])).status_code == seen, name
        url = reverse("recommendations:force_lead", args=[RECIPIENT_SLUGS[scope]])
        if not oracle.sees(role, scope):
            expected = 404
        elif not oracle.may_for_force(role, scope, "assign-force-lead"):
            expected = 403
        else:
            expected = 200
        assert client.get(url).status_code == expected
        with transaction.atomic():
            before = snapshot(item)
            posted = client.post(url, {"lead": recipient_world["proposer"].pk, "confirm": "yes"})
            assert posted.status_code == (302 if expected == 200 else expected)
            assert (snapshot(item) != before) == (expected == 200)
            transaction.set_rollback(True)
