"""Issue 25, finding things on the list: the filters in the order each role uses them,
the report filter as GOV.UK's accessible-autocomplete over a plain select, and an empty
result that says why and offers the nearest broader search."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.templatetags.static import static
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.models import Status, TrackedItem
from recommendations.views import listing
from tests.factories import make_item

pytestmark = pytest.mark.django_db
LIST = reverse("recommendations:list")
ROOT = Path(__file__).resolve().parents[2]


class _FilterPanel(HTMLParser):
    """The names of the filter form's fields, in the order the page shows them, and
    every <script> of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.selects: dict[str, dict[str, str | None]] = {}
        self.scripts: list[dict[str, str | None]] = []
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "form" and a.get("id") == "filters":
            self._in_form = True
        elif self._in_form and tag in ("input", "select") and a.get("name"):
            name = a["name"] or ""
            if a.get("type") != "hidden" and name not in self.names:
                self.names.append(name)
            if tag == "select":
                self.selects[name] = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def panel(client: Client, query: str = "") -> _FilterPanel:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    parser = _FilterPanel()
    parser.feed(response.content.decode())
    return parser


def rows_of(client: Client, href: str) -> list[int]:
    response = client.get(LIST + href)
    assert response.status_code == 200
    return [int(r["url"].rstrip("/").rsplit("/", 1)[-1]) for r in response.context["rows"]]


@pytest.fixture
def world(people):
    """Items in Gloucestershire (one closed), Devon and Cornwall and West Midlands."""
    items = {
        "glos": make_item(force="gloucestershire"),
        "closed": make_item(force="gloucestershire"),
        "dc": make_item(force="devon-and-cornwall"),
        "wmp": make_item(force="west-midlands"),
    }
    TrackedItem.objects.filter(pk=items["closed"].pk).update(
        status_id=Status.COMPLETE, status_order=Status.objects.get(slug=Status.COMPLETE).order
    )
    return items


# 1. The filters in the order each role uses them --------------------------------------


@pytest.mark.parametrize(
    "role,first",
    [
        ("inspector", ["force", "region", "report", "status"]),
        ("admin", ["force", "region", "report", "status"]),
        ("chief-of-staff", ["force", "report", "status"]),  # one region: no region filter
        ("liaison-officer", ["status", "report"]),  # one force: no force filter
        ("liaison-lead", ["status", "report"]),  # a lead of one force, too
    ],
)
def test_each_role_sees_the_filters_it_uses_most_first(client_as, world, role, first):
    shown = panel(client_as(role)).names
    assert shown[: len(first)] == first, shown
    assert shown[len(first)] == "q"  # then the rest, in the filters' own order


def test_a_lead_of_several_forces_sees_their_forces_then_the_status(make_user, world):
    from tests.conftest import sign_in

    lead = make_user("liaison-lead", username="lead.sw", force_slugs=["gloucestershire", "dorset"])
    shown = panel(sign_in(Client(), lead)).names
    assert shown[:3] == ["force", "status", "report"], shown


@pytest.mark.parametrize("role", ["inspector", "liaison-officer", "liaison-lead"])
def test_every_filter_is_in_the_panel_under_its_own_parameter_name(client_as, world, role):
    """Reordering keeps every GET parameter: each of the FilterSet's fields is there once,
    so saved views and shared links still work."""
    response = client_as(role).get(LIST)
    fields = [n for n in response.context["filter"].form.fields if n != "sort"]
    parser = _FilterPanel()
    parser.feed(response.content.decode())
    assert sorted(parser.names) == sorted(fields)


def test_someone_with_no_role_gets_the_inspectors_order(world, people):
    filterset = listing.ItemFilter(QueryDict(), queryset=TrackedItem.objects.all())
    order = listing.filter_order(object(), filterset)
    assert order[:4] == ["force", "region", "report", "status"]


# 2. The report filter: accessible-autocomplete over a plain select ----------------------


def test_the_report_filter_is_a_plain_select_the_autocomplete_enhances(client_as, world):
    parser = panel(client_as("inspector"))
    report = parser.selects["report"]
    assert report.get("data-module") == "app-autocomplete"
    html = client_as("inspector").get(LIST).content.decode()
    titles = [item.finding.report.title for item in world.values()]
    for title in titles:  # every report is an option: it works without JavaScript
        assert re.search(rf"<option value=\"[^\"]+\">{re.escape(title)}</option>", html), title
    chosen = world["dc"].finding.report
    assert rows_of(client_as("inspector"), f"?report={chosen.slug}") == [world["dc"].pk]


def test_the_autocomplete_is_served_from_the_npm_build_with_no_inline_script(client_as, world):
    client = client_as("inspector")
    response = client.get(LIST)
    parser = _FilterPanel()
    parser.feed(response.content.decode())
    sources = [s.get("src") for s in parser.scripts]
    assert all(sources), "an inline <script>: the CSP refuses it"
    component = "/static/app/build/accessible-autocomplete.min.js"
    assert component in sources and "/static/app/js/autocomplete.mjs" in sources
    # The component runs before the module that uses it: deferred, and before it.
    assert sources.index(component) < sources.index("/static/app/js/autocomplete.mjs")
    assert "defer" in parser.scripts[sources.index(component)]
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and "'unsafe-inline'" not in script_src.group(1)
    # Served from static: the npm package's own build, copied unchanged by `make setup`.
    built = finders.find("app/build/accessible-autocomplete.min.js")
    assert built, "run `make setup`: static/build has no accessible-autocomplete"
    npm = ROOT / "node_modules" / "accessible-autocomplete" / "dist"
    assert Path(built).read_bytes() == (npm / "accessible-autocomplete.min.js").read_bytes()
    module = finders.find("app/js/autocomplete.mjs")
    assert module and "enhanceSelectElement" in Path(module).read_text()
    # Its styles are compiled into the portal's one stylesheet.
    css = (ROOT / "static" / "build" / "application.css").read_text()
    assert ".autocomplete__wrapper" in css and ".autocomplete__menu" in css


def test_the_autocomplete_comes_from_npm_and_is_never_committed():
    package = (ROOT / "package.json").read_text()
    assert '"accessible-autocomplete": "3.0.1"' in package
    assert '"node_modules/accessible-autocomplete"' in (ROOT / "package-lock.json").read_text()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "static/build/accessible-autocomplete.min.js"],
        cwd=ROOT,
        check=False,
    )
    assert ignored.returncode == 0, "the built copy must stay out of the repository"
    # `make setup` from nothing: npm ci, then the stylesheet and the component's copy.
    plan = subprocess.run(
        ["make", "--dry-run", "--always-make", "setup"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    steps = [line for line in plan.splitlines() if line.startswith("npm")]
    assert steps[0].startswith("npm ci"), steps
    assert "npm run --silent build:css" in steps and "npm run --silent build:js" in steps


def test_production_collects_the_component_with_the_source_map_it_names(settings, tmp_path):
    """The production storage (hashed names) follows the build's `sourceMappingURL` and
    fails `collectstatic` if the map is missing: `make setup` copies both."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed = static("app/build/accessible-autocomplete.min.js")
    assert re.fullmatch(r"/static/app/build/accessible-autocomplete\.min\.[0-9a-f]{12}\.js", hashed)
    assert (tmp_path / hashed.removeprefix("/static/")).exists()


# 3. An empty result says why and offers the nearest broader search ----------------------


def test_only_closed_items_match_offers_to_include_them(client_as, world):
    client = client_as("liaison-officer")
    report = world["closed"].finding.report.slug
    response = client.get(LIST, {"report": report})
    assert response.context["rows"] == []
    html = re.sub(r"\s+", " ", response.content.decode())
    assert "No items match these filters" in html
    match = re.search(
        r"1 closed item matches these filters: <a class=\"govuk-link\" href=\"([^\"]+)\">"
        r"include closed items</a>",
        html,
    )
    assert match, html[html.index("no-items") : html.index("no-items") + 800]
    assert rows_of(client, match.group(1).replace("&amp;", "&")) == [world["closed"].pk]


def test_a_filter_that_empties_the_list_is_named_with_a_link_that_removes_it(
    client_as, world, today
):
    TrackedItem.objects.filter(pk=world["dc"].pk).update(target_date=today - dt.timedelta(1))
    client = client_as("inspector")
    response = client.get(LIST, {"force": "gloucestershire", "overdue": "yes"})
    assert response.context["rows"] == []
    html = response.content.decode()
    links = dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(
            r"<a class=\"govuk-link\" href=\"([^\"]+)\">Remove the filter ‘([^’]+)’</a>", html
        )
    )
    assert set(links) == {"Overdue: Yes", "Force or other recipient: Gloucestershire Constabulary"}
    assert rows_of(client, links["Overdue: Yes"]) == [world["glos"].pk]
    assert rows_of(client, links["Force or other recipient: Gloucestershire Constabulary"]) == [
        world["dc"].pk
    ]
    assert "closed item" not in html  # no closed item matches: not offered


def test_items_in_other_statuses_are_counted_when_a_status_was_chosen(client_as, world):
    client = client_as("inspector")
    response = client.get(LIST, {"force": "gloucestershire", "status": Status.BEING_PROGRESSED})
    html = re.sub(r"\s+", " ", response.content.decode())
    match = re.search(
        r"2 items in other statuses match these filters: "
        r"<a class=\"govuk-link\" href=\"([^\"]+)\">show items in any status</a>",
        html,
    )
    assert match
    shown = rows_of(client, match.group(1).replace("&amp;", "&"))
    assert sorted(shown) == sorted([world["glos"].pk, world["closed"].pk])


def test_nothing_to_broaden_to_says_so(client_as, world, make_user):
    from tests.conftest import sign_in

    query = {"q": "zebrafish", "overdue": "yes"}
    html = client_as("inspector").get(LIST, query).content.decode()
    assert "No item matches with any one filter removed either" in html
    nobody = make_user("liaison-officer", username="officer.dorset", force_slugs=["dorset"])
    html = sign_in(Client(), nobody).get(LIST, {"status": "all"}).content.decode()
    assert "There are no items you can see yet, in any status." in html
    bad = client_as("inspector").get(LIST, {"overdue": "maybe"}).content.decode()
    assert "Correct the filters to see items." in bad
    assert "Remove the filter" not in bad


def test_the_hint_costs_two_queries_and_only_when_the_list_is_empty(client_as, world, monkeypatch):
    client = client_as("inspector")
    query = {"force": "gloucestershire", "overdue": "yes", "type": "recommendation"}
    client.get(LIST, query)  # the session's first page reads what the session caches

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, query).status_code == 200
        return len(ctx.captured_queries)

    with_hint = count()
    monkeypatch.setattr(listing, "broader_searches", lambda *args: None)
    assert with_hint - count() <= 2

    def refuse(*args):
        raise AssertionError("broader searches on a list with rows")

    monkeypatch.setattr(listing, "broader_searches", refuse)
    assert client.get(LIST, {"force": "gloucestershire"}).status_code == 200


def test_the_links_name_each_filter_and_value_as_the_panel_does(client_as, world):
    report = world["glos"].finding.report
    client = client_as("inspector")
    html = client.get(LIST, {"report": report.slug, "type": "area-for-improvement"}).content
    links = re.findall(
        r"<a class=\"govuk-link\" href=\"([^\"]+)\">Remove the filter ‘([^’]+)’</a>", html.decode()
    )
    assert [label for _href, label in links] == ["Type: Area for improvement"]
    assert rows_of(client, links[0][0].replace("&amp;", "&")) == [world["glos"].pk]
