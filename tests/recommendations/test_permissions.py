"""Every URL × every role × own force / other force in the region / force in another
region × GET and POST, with the expected status code worked out from the policy table
and the roles' permissions; and a sweep that fails when a URL escapes the matrix."""

import io
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from forces.roles import ROLES
from recommendations import policy, services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.conftest import PEOPLE
from tests.factories import FindingFactory, ReportFactory, make_item

SCOPES = {
    "own": "gloucestershire",
    "same-region": "devon-and-cornwall",
    "other-region": "west-midlands",
}
ITEM_PAGES = ["recommendations:item", "recommendations:history", "recommendations:portal_page"]
GLOBAL_PAGES = [
    "recommendations:dashboard",
    "recommendations:list",
    "recommendations:reports",
    "recommendations:report",
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
LOGIN_ONLY = {"password_change", "password_change_done"}
SESSION_PAGES = ["session_extend"]
TWO_FACTOR_PAGES = {
    "two_factor_verify",
    "two_factor_setup",
    "two_factor_recovery",
    "two_factor_codes",
    "two_factor_reset",
}


def perms(role):
    return set(ROLES[role].permissions)


def sees(role, scope):
    if perms(role) & {"view_all_forces", "act_for_all_forces"}:
        return True
    if role == "chief-of-staff":
        return scope in ("own", "same-region")
    return scope == "own"


def may_act(role, scope, action):
    rule = policy.ACTIONS[action]
    have = perms(role)
    if rule.permission not in have:
        return False
    if "act_for_all_forces" in have:
        return True
    if rule.proposal == "open-by-self":
        return False  # the matrix's proposals are the `proposer` fixture's
    if rule.scope == "region":
        return role == "chief-of-staff" and scope in ("own", "same-region")
    return role in ("liaison-officer", "liaison-lead") and scope == "own"


def item_in_state_for(action, force_slug, proposer):
    item = make_item(force=force_slug)
    rule = policy.ACTIONS[action]
    needs_proposal = rule.proposal in ("open-by-other", "open-by-self")
    if Status.AWAITING_REVIEW not in rule.statuses or needs_proposal:
        services.status_change(item=item, by=proposer, to=Status.BEING_PROGRESSED)
    if needs_proposal:
        services.closure_propose(item=item, by=proposer, reason="Met")
    return TrackedItem.objects.get(pk=item.pk)


def valid_post(action, item, proposer):
    return {
        "progress-update": {"text": "Update from the force"},
        "comment": {"text": "A comment"},
        "owner": {
            "owner_name": "Lee",
            "owner_rank": "Supt",
            "owner_department": "Intel",
            "version": item.version,
        },
        "review": {},
        "no-further-action": {"reason": "Superseded by a later inspection"},
        "propose-closure": {"reason": "The force has met it"},
        "authorise-closure": {},
        "return-closure": {"reason": "Need the audit results"},
        "withdraw-closure": {"reason": "Needs another look first"},
        "assign-lead": {"lead": proposer.pk},
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
    for action in policy.ACTIONS
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
        if name in ("recommendations:report", "recommendations:finding_new")
        else {}
    )
    url = reverse(name, kwargs=kwargs)
    count_before = TrackedItem.objects.count()
    response = getattr(client_as(role), method.lower())(url)
    if name in ADMIN_PAGES:
        if "publish_report" not in perms(role):
            expected = 403
        else:
            expected = 200 if method == "GET" else 400  # an empty POST is invalid
    else:
        expected = 200 if method == "GET" else 405
    assert response.status_code == expected
    assert TrackedItem.objects.count() == count_before


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
    samples = {"pk": item.pk, "action": "comment", "slug": "x"}  # two_factor_reset: a user pk
    for name in all_url_names():
        if name in ALLOW_LIST or name.startswith("admin:"):
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
    may_import = "import_portal_pages" in perms(role)
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
    have = perms(role)
    if "import_portal_pages" not in have:
        assert (upload.status_code, confirm.status_code) == (403, 403)
    elif "act_for_all_forces" in have or (role == "liaison-lead" and scope == "own"):
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
    target = people["liaison-officer"]
    reset = client.post(reverse("two_factor_reset", args=[target.pk]))
    assert reset.status_code == (302 if "act_for_all_forces" in perms(role) else 403)
    assert client.get(reverse("two_factor_reset", args=[target.pk])).status_code in (403, 405)
