"""Issue 19, the list and dashboards people use every day: filters in their scope,
overdue in sight, counts per status, "Clear filters", honest dashboard counts, saved
views, the responsive filter's markup."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forces.models import Force, Region
from recommendations.models import Status, TrackedItem
from savedsearches.models import SavedSearch
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item
from tracker.humanise import age_words

pytestmark = pytest.mark.django_db
LIST = reverse("recommendations:list")


def page(client, query=""):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response


def listed(client, query=""):
    response = page(client, query)
    return [int(r["url"].rstrip("/").rsplit("/", 1)[-1]) for r in response.context["rows"]]


def set_target(item, target):
    TrackedItem.objects.filter(pk=item.pk).update(target_date=target)


@pytest.fixture
def world(people, today):
    """Open items in two South West forces and West Midlands, one overdue, one stale,
    one long awaiting review, one closed past its target date."""
    glos_report = ReportFactory(slug="glos-only")
    wmp_report = ReportFactory(slug="wmp-only")
    national = ReportFactory(slug="national")
    lead = people["liaison-lead"]
    items = {
        "overdue": make_item(finding=FindingFactory(report=national)),
        "fresh": make_item(finding=FindingFactory(report=glos_report)),
        "old_review": make_item(
            finding=FindingFactory(report=national), on=today - dt.timedelta(days=200)
        ),
        "stale": make_item(
            finding=FindingFactory(report=national), on=today - dt.timedelta(days=300)
        ),
        "closed": make_item(finding=FindingFactory(report=national)),
        "dc": make_item(force="devon-and-cornwall", finding=FindingFactory(report=national)),
        "wmp": make_item(force="west-midlands", finding=FindingFactory(report=wmp_report)),
    }
    set_target(items["overdue"], today - dt.timedelta(days=20))
    set_target(items["closed"], today - dt.timedelta(days=20))
    TrackedItem.objects.filter(pk=items["closed"].pk).update(
        status_id=Status.COMPLETE, status_order=Status.objects.get(slug=Status.COMPLETE).order
    )
    progressed(items["fresh"], lead)
    # Being progressed since 300 days ago: stale by the one rule.
    TrackedItem.objects.filter(pk=items["stale"].pk).update(
        status_id=Status.BEING_PROGRESSED,
        status_order=Status.objects.get(slug=Status.BEING_PROGRESSED).order,
    )
    return {k: TrackedItem.objects.get(pk=v.pk) for k, v in items.items()}


# 2. Filters in scope -----------------------------------------------------------------


def test_a_one_force_officer_has_no_force_or_region_filter(client_as, world):
    response = page(client_as("liaison-officer"))
    fields = response.context["filter"].form.fields
    assert "force" not in fields and "region" not in fields
    html = response.content.decode()
    assert 'name="force"' not in html and 'name="region"' not in html
    # Reports offered are only those with items in Gloucestershire.
    reports = {r.slug for r in fields["report"].queryset}
    assert reports == {"glos-only", "national"}
    # A force in the address changes nothing: the scope already decides.
    assert sorted(listed(client_as("liaison-officer"), "force=west-midlands")) == sorted(
        listed(client_as("liaison-officer"))
    )


def test_a_leads_filter_lists_only_their_forces_and_no_region(make_user, world):
    from tests.conftest import sign_in

    lead = make_user(
        "liaison-lead", username="lead.sw", force_slugs=["gloucestershire", "devon-and-cornwall"]
    )
    client = sign_in(Client(), lead)
    response = page(client)
    fields = response.context["filter"].form.fields
    assert {f.slug for f in fields["force"].queryset} == {"gloucestershire", "devon-and-cornwall"}
    assert "region" not in fields  # both forces are in the South West
    assert "wmp-only" not in {r.slug for r in fields["report"].queryset}
    html = response.content.decode()
    assert "West Midlands Police" not in html
    bad = page(client, "force=west-midlands")
    assert "There is no force called &#39;west-midlands&#39;" in bad.content.decode()
    assert bad.context["rows"] == []


def test_a_chief_sees_their_regions_forces_and_an_inspector_sees_all(client_as, world):
    chief = page(client_as("chief-of-staff")).context["filter"].form.fields
    south_west = set(Force.objects.filter(region__slug="south-west").values_list("slug", flat=True))
    assert {f.slug for f in chief["force"].queryset} == south_west
    assert "region" not in chief
    inspector = page(client_as("inspector")).context["filter"].form.fields
    assert inspector["force"].queryset.count() == Force.objects.count()
    assert inspector["region"].queryset.count() == Region.objects.count()


# 3. Overdue in sight, ages in words ------------------------------------------------------


def test_overdue_tag_on_open_items_past_target_and_not_on_closed_ones(client_as, world):
    client = client_as("inspector")
    response = page(client, "status=all")
    rows = {int(r["url"].rstrip("/").rsplit("/", 1)[-1]): r for r in response.context["rows"]}
    assert rows[world["overdue"].pk]["overdue"] is True
    assert rows[world["closed"].pk]["overdue"] is False
    assert rows[world["fresh"].pk]["overdue"] is False
    html = response.content.decode()
    assert html.count('govuk-tag--red app-tag--overdue">') == 1
    assert listed(client, "overdue=1") == [world["overdue"].pk]
    item = client.get(reverse("recommendations:item", args=[world["overdue"].pk]))
    assert re.search(r'govuk-tag--red">\s*Overdue', item.content.decode())
    closed = client.get(reverse("recommendations:item", args=[world["closed"].pk]))
    assert "Overdue" not in closed.content.decode()


def test_ages_are_words_with_the_exact_date_in_a_time_element(client_as, world, today):
    html = page(client_as("inspector")).content.decode()
    day = world["stale"].last_entry_on
    assert (
        f'<time datetime="{day.isoformat()}" title="{day.day} {day:%B %Y}">10 months ago</time>'
        in html
    )
    on = dt.date(2025, 6, 30)
    assert [age_words(on - dt.timedelta(days=d), on) for d in (0, 1, 5, 20, 95, 800, -3)] == [
        "today",
        "yesterday",
        "5 days ago",
        "2 weeks ago",
        "3 months ago",
        "2 years ago",
        "in the future",
    ]


# 4. Counts per status -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "status=all", "force=gloucestershire", "overdue=1"])
def test_status_counts_equal_the_lists_counts_in_one_query(client_as, world, query):
    client = client_as("inspector")
    with CaptureQueriesContext(connection) as ctx:
        response = page(client, query)
    item_queries = [  # read now: the next request empties Django's query log
        q["sql"] for q in ctx.captured_queries if 'FROM "recommendations_trackeditem"' in q["sql"]
    ]
    counts = response.context["status_counts"]
    assert sum(c["count"] for c in counts) == response.context["page"].paginator.count
    assert response.context["page"].paginator.count == len(listed(client, query))
    grouped = [q for q in item_queries if "GROUP BY" in q]
    # The counts (and the total from them) come from the counts table, or from a bounded
    # read of the items (recommendations.counts): no GROUP BY or COUNT(*) over the items.
    assert grouped == []
    assert not [q for q in item_queries if "COUNT(*)" in q]
    for c in counts:
        narrowed = page(client, c["href"].lstrip("?"))
        assert narrowed.context["page"].paginator.count == c["count"], c["name"]
        assert f'href="{c["href"].replace("&", "&amp;")}"' in response.content.decode()


# 5. Clear filters ------------------------------------------------------------------------


def test_clear_filters_goes_to_the_default_open_view(client_as, world):
    client = client_as("inspector")
    html = page(client, "force=gloucestershire&status=complete").content.decode()
    clear = re.search(r'href="([^"]*)">Clear filters</a>', html)
    assert clear and clear.group(1) == LIST
    assert sorted(listed(client, "")) == sorted(listed(client, "status=open"))
    assert world["closed"].pk not in listed(client, "")


# 1. The responsive filter's markup -------------------------------------------------------


def test_the_filter_is_behind_a_show_filters_details_with_a_skip_link(client_as, world):
    html = page(client_as("inspector")).content.decode()
    details = html.index('<details class="app-filter-toggle"')
    assert "Show filters" in html[details : details + 600]
    assert html.index('href="#results">Skip to results</a>') > details
    assert html.index('href="#results"') < html.index('id="results"')  # filter, then results
    assert 'role="region" aria-label="Recommendations table"' in html
    # Bad filters: the panel is open, so the errors it names are in sight.
    bad = page(client_as("inspector"), "updated_after=soon").content.decode()
    assert '<details class="app-filter-toggle" data-module="app-filter-toggle" open>' in bad


# 6. Dashboard honesty --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["liaison-officer", "liaison-lead", "chief-of-staff", "inspector"])
def test_dashboard_counts_are_what_the_list_shows(client_as, world, role):
    client = client_as(role)
    dashboard = client.get("/")
    summary = dashboard.context["summary"]
    html = dashboard.content.decode()
    for key, query in [
        ("open", ""),
        ("awaiting_review", "status=awaiting-review"),
        ("being_progressed", "status=being-progressed"),
        ("overdue", "overdue=1"),
        ("stale", "stale=yes"),
    ]:
        assert summary[key] == len(listed(client, query)), key
        href = LIST + (f"?{query}" if query else "")
        assert f'href="{href}"' in html, key
    assert f">{summary['overdue']} overdue</a>" in html


def test_officer_dashboard_lists_every_open_item_it_counts(client_as, world):
    dashboard = client_as("liaison-officer").get("/")
    officer, summary = dashboard.context["officer"], dashboard.context["summary"]
    listed_open = officer["awaiting_update"]["count"] + officer["awaiting_review"]["count"]
    assert listed_open == summary["open"] == 4
    shown = {i.pk for table in officer.values() for i, _ in table["rows"]}
    assert shown == {world[k].pk for k in ("overdue", "fresh", "old_review", "stale")}
    attention = {i.pk for i, _ in officer["attention"]["rows"]}
    assert attention == {world["overdue"].pk, world["stale"].pk}
    assert f"Stale or overdue: update these first ({len(attention)})" in dashboard.content.decode()


def test_staleness_is_one_rule_on_dashboard_list_and_reminders(client_as, world):
    """Stale is selectors.stale_q everywhere: being progressed with no entry for
    STALE_AFTER_DAYS. An item awaiting review for 200 days is not stale (it shows under
    "Awaiting review", with its age) on the dashboard, the list, or to the reminders."""
    from recommendations.reminders import plan_sweep

    client = client_as("liaison-lead")
    dashboard = client.get("/")
    stale_on_dashboard = {i.pk for i, _ in dashboard.context["lead"]["stale"]["rows"]}
    assert stale_on_dashboard == set(listed(client, "stale=yes")) == {world["stale"].pk}
    reminded = {planned.item_id for planned in plan_sweep().items}
    assert world["old_review"].pk not in reminded and world["stale"].pk in reminded
    awaiting = {i.pk for i, _ in dashboard.context["lead"]["awaiting_review"]["rows"]}
    assert world["old_review"].pk in awaiting


def test_dashboard_tables_say_when_they_show_only_some(client_as, people):
    report = ReportFactory()
    for n in range(27):
        make_item(finding=FindingFactory(report=report, number=n + 1))
    html = client_as("liaison-officer").get("/").content.decode()
    assert "Showing the first 25 of 27." in html
    assert f'href="{LIST}?status=awaiting-review">See all 27 in the list</a>' in html


# 7. Saved views --------------------------------------------------------------------------


def save(client, name, query="force=gloucestershire&overdue=yes"):
    return client.post(reverse("savedsearches:new"), {"name": name, "query": query})


def test_a_saved_view_is_its_owners_alone(client_as, world, people):
    mine, theirs = client_as("inspector"), client_as("admin")
    response = save(mine, "  Glos   overdue ", "page=3&overdue=yes&force=gloucestershire&x=1")
    assert response.status_code == 302
    view = SavedSearch.objects.get()
    assert (view.owner, view.name) == (people["inspector"], "Glos overdue")
    assert view.query == "force=gloucestershire&overdue=yes"  # no page, nothing unknown
    assert response["Location"] == f"{LIST}?force=gloucestershire&overdue=yes"
    opened = mine.get(reverse("savedsearches:open", args=[view.pk]))
    assert opened["Location"] == f"{LIST}?force=gloucestershire&overdue=yes"
    assert "Glos overdue" in page(mine).content.decode()
    assert "Glos overdue" in mine.get("/").content.decode()
    assert "Glos overdue" not in page(theirs).content.decode()
    assert "Glos overdue" not in theirs.get(reverse("savedsearches:list")).content.decode()
    assert theirs.get(reverse("savedsearches:open", args=[view.pk])).status_code == 404
    assert theirs.post(reverse("savedsearches:delete", args=[view.pk])).status_code == 404
    assert SavedSearch.objects.filter(pk=view.pk).exists()
    assert mine.post(reverse("savedsearches:delete", args=[view.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    "name,query,message",
    [
        ("   ", "", "Enter a name for this view"),
        ("x" * 81, "", "The name must be 80 characters or fewer"),
        ("bell\x07", "", "The name cannot contain control characters"),
        ("Dates", "updated_after=soon", "These filters have a problem"),
        ("Atlantis", "force=atlantis", "These filters have a problem"),
        ("GLOS OVERDUE", "", "You already have a view called"),
    ],
)
def test_saved_view_names_and_filters_are_checked(client_as, world, name, query, message):
    client = client_as("inspector")
    assert save(client, "Glos overdue").status_code == 302
    response = save(client, name, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SavedSearch.objects.count() == 1


def test_list_page_queries_do_not_grow_with_rows_or_views(client_as, people):
    client = client_as("liaison-lead")
    report = ReportFactory()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page(client)
        return len(ctx.captured_queries)

    make_item(finding=FindingFactory(report=report, number=1))
    count()  # the first page of a session also reads what the session caches
    few = count()
    for n in range(30):
        make_item(finding=FindingFactory(report=report, number=n + 2))
    for n in range(5):
        SavedSearch.objects.create(owner=people["liaison-lead"], name=f"View {n}", query="")
    assert count() == few
