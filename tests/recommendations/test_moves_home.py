"""Issue 26, target dates that cannot slip silently: the chief of staff's home page lists
their region's recent large target-date moves (selectors.large_move_q), and the list
finds the items whose target date moved (`moved=yes`)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.models import TargetDateMove, TrackedItem
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


def move(item, old, new, *, days_ago=1, was_overdue=False, reason="Restructure"):
    TrackedItem.objects.filter(pk=item.pk).update(
        target_date=new, target_date_moves=item.target_date_moves + 1
    )
    item.refresh_from_db()
    return TargetDateMove.objects.create(
        item=item,
        old_date=old,
        new_date=new,
        reason=reason,
        moved_by_name="Supt Lee",
        was_overdue=was_overdue,
        moved_at=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def moved(today):
    report = ReportFactory()

    def item(number, force="gloucestershire"):
        return make_item(force=force, finding=FindingFactory(report=report, number=number))

    big, overdue, small, elsewhere, long_ago, still = (
        item(1),
        item(2, "devon-and-cornwall"),
        item(3),
        item(4, "west-midlands"),
        item(5),
        item(6),
    )
    target = today + dt.timedelta(days=30)
    move(big, target, target + dt.timedelta(days=150), reason="Awaiting a new IT system")
    move(overdue, today - dt.timedelta(days=3), today + dt.timedelta(days=7), was_overdue=True)
    move(small, target, target + dt.timedelta(days=20))
    move(elsewhere, target, target + dt.timedelta(days=400))
    move(long_ago, target, target + dt.timedelta(days=400), days_ago=200)
    return {
        "big": big,
        "overdue": overdue,
        "small": small,
        "elsewhere": elsewhere,
        "long_ago": long_ago,
        "still": still,
    }


def moves_section(html):
    start = html.index("Large target-date moves")
    return html[start : html.index("</table>", start)]


def test_the_chief_sees_their_regions_recent_large_moves(client_as, moved):
    html = moves_section(client_as("chief-of-staff").get("/").content.decode())
    for name in ("big", "overdue"):
        assert f'href="/recommendations/{moved[name].pk}/"' in html, name
    for name in ("small", "elsewhere", "long_ago", "still"):
        assert f'href="/recommendations/{moved[name].pk}/"' not in html, name
    assert "Awaiting a new IT system" in html and "(+150 days)" in html
    assert "Was overdue" in html and "Supt Lee" in html


def test_other_roles_home_pages_do_not_list_moves(client_as, moved):
    for role in ("liaison-lead", "liaison-officer", "inspector"):
        assert "Large target-date moves" not in client_as(role).get("/").content.decode()


def test_the_list_filters_items_whose_target_date_moved(client_as, moved):
    client = client_as("inspector")

    def listed(query):
        response = client.get(reverse("recommendations:list") + "?" + query)
        assert response.status_code == 200
        return {int(r["url"].rstrip("/").rsplit("/", 1)[-1]) for r in response.context["rows"]}

    every = {item.pk for item in moved.values()}
    assert listed("moved=yes") == every - {moved["still"].pk}
    assert listed("moved=no") == {moved["still"].pk}
    bad = client.get(reverse("recommendations:list") + "?moved=often")
    assert "Target date moved must be yes or no" in bad.content.decode()
