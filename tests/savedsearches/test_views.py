"""The saved views' pages (savedsearches.views): save the list's filters under a name,
open a view (the list with its filters), delete one; every page the signed-in person's
own, anyone else's view "Page not found"."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from savedsearches.models import SavedSearch
from tests.conftest import sign_in
from tests.factories import make_item

pytestmark = pytest.mark.django_db
LIST = reverse("recommendations:list")
SAVED = reverse("savedsearches:list")
NEW = reverse("savedsearches:new")


def open_url(view: SavedSearch) -> str:
    return reverse("savedsearches:open", args=[view.pk])


def delete_url(view: SavedSearch) -> str:
    return reverse("savedsearches:delete", args=[view.pk])


def save(client, name, query="force=gloucestershire&overdue=yes"):
    return client.post(NEW, {"name": name, "query": query})


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def listed_ids(response) -> set[int]:
    return {int(r["url"].rstrip("/").rsplit("/", 1)[-1]) for r in response.context["rows"]}


# Saving ---------------------------------------------------------------------------------


def test_the_save_form_carries_the_lists_filters_without_the_page(client_as):
    response = client_as("inspector").get(NEW, {"force": "gloucestershire", "page": "4"})
    assert response.status_code == 200
    assert response.context["form"].initial == {"query": "force=gloucestershire"}
    assert 'value="force=gloucestershire"' in response.content.decode()


def test_saving_goes_back_to_the_list_with_the_filters_and_says_so(client_as, people):
    client = client_as("inspector")
    response = save(client, "  Glos   overdue ", "page=3&overdue=yes&force=gloucestershire&x=1")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?force=gloucestershire&overdue=yes"
    assert said(response) == ["Saved your view 'Glos overdue'"]
    view = SavedSearch.objects.get()
    assert (view.owner, view.name, view.query) == (
        people["inspector"],
        "Glos overdue",
        "force=gloucestershire&overdue=yes",
    )


def test_saving_no_filters_goes_back_to_the_whole_list(client_as):
    response = save(client_as("inspector"), "Everything", "")
    assert response["Location"] == LIST


@pytest.mark.parametrize(
    "name,query,message",
    [
        ("", "", "Enter a name for this view"),
        ("   ", "", "Enter a name for this view"),
        ("x" * 81, "", "The name must be 80 characters or fewer"),
        ("bell\x07", "", "The name cannot contain control characters"),
        ("GLOS OVERDUE", "", "You already have a view called"),
        ("Dates", "updated_after=soon", "These filters have a problem"),
        ("Atlantis", "force=atlantis", "These filters have a problem"),
    ],
)
def test_a_refused_view_shows_the_form_again_with_the_reason(client_as, name, query, message):
    client = client_as("inspector")
    assert save(client, "Glos overdue").status_code == 302
    response = save(client, name, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SavedSearch.objects.count() == 1


def test_the_fifty_first_view_is_refused_on_the_page(client_as, people):
    SavedSearch.objects.bulk_create(
        SavedSearch(owner=people["inspector"], name=f"View {n}", query="") for n in range(50)
    )
    response = save(client_as("inspector"), "One more")
    assert response.status_code == 400
    assert "You can keep up to 50 views. Delete one first" in response.content.decode()
    assert SavedSearch.objects.count() == 50


def test_saving_a_view_needs_the_csrf_token(people):
    client = sign_in(Client(enforce_csrf_checks=True), people["inspector"])
    assert save(client, "No token").status_code == 403
    assert not SavedSearch.objects.exists()


# Opening --------------------------------------------------------------------------------


def test_opening_a_view_shows_the_list_with_its_filters(client_as, people):
    glos, devon = make_item(force="gloucestershire"), make_item(force="devon-and-cornwall")
    view = SavedSearch.objects.create(
        owner=people["inspector"], name="Glos", query="force=gloucestershire"
    )
    client = client_as("inspector")
    opened = client.get(open_url(view))
    assert opened.status_code == 302
    assert opened["Location"] == f"{LIST}?force=gloucestershire"
    shown = client.get(opened["Location"])
    assert shown.status_code == 200
    assert glos.pk in listed_ids(shown) and devon.pk not in listed_ids(shown)


def test_opening_a_view_of_the_whole_list(client_as, people):
    view = SavedSearch.objects.create(owner=people["inspector"], name="All", query="")
    assert client_as("inspector").get(open_url(view))["Location"] == LIST


# Anyone else's view ---------------------------------------------------------------------


@pytest.mark.parametrize("someone_else", ["admin", "liaison-lead", "chief-of-staff"])
def test_another_persons_view_is_not_found_on_every_page(client_as, people, someone_else):
    view = SavedSearch.objects.create(
        owner=people["inspector"], name="Inspector's own", query="force=gloucestershire"
    )
    client = client_as(someone_else)
    assert client.get(open_url(view)).status_code == 404
    assert client.get(delete_url(view)).status_code == 404
    assert client.post(delete_url(view)).status_code == 404
    assert client.get(SAVED).context["views"] == []
    assert client.get(LIST).context["saved_views"] == []
    assert SavedSearch.objects.filter(pk=view.pk).exists()


def test_a_view_that_does_not_exist_is_not_found(client_as):
    client = client_as("inspector")
    assert client.get(reverse("savedsearches:open", args=[999999])).status_code == 404
    assert client.post(reverse("savedsearches:delete", args=[999999])).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(people):
    view = SavedSearch.objects.create(owner=people["inspector"], name="Mine", query="")
    for url in (SAVED, NEW, open_url(view), delete_url(view)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# The list of one's views, and deleting ------------------------------------------------


def test_the_page_of_ones_views_lists_them_by_name_with_open_and_delete(client_as, people):
    mine = [
        SavedSearch.objects.create(owner=people["inspector"], name=name, query="")
        for name in ("beta", "Alpha")
    ]
    response = client_as("inspector").get(SAVED)
    assert response.status_code == 200
    assert [v.name for v in response.context["views"]] == ["Alpha", "beta"]
    html = response.content.decode()
    for view in mine:
        assert f'href="{open_url(view)}"' in html and f'href="{delete_url(view)}"' in html


def test_the_page_says_when_there_are_no_views(client_as):
    assert "You have no saved views yet." in client_as("inspector").get(SAVED).content.decode()


def test_deleting_asks_first_then_deletes_and_says_so(client_as, people):
    view = SavedSearch.objects.create(owner=people["inspector"], name="Glos", query="")
    kept = SavedSearch.objects.create(owner=people["inspector"], name="Kept", query="")
    client = client_as("inspector")
    asked = client.get(delete_url(view))
    assert asked.status_code == 200
    assert "Delete the view ‘Glos’?" in asked.content.decode()
    assert SavedSearch.objects.filter(pk=view.pk).exists()  # asking deletes nothing
    response = client.post(delete_url(view))
    assert response.status_code == 302 and response["Location"] == SAVED
    assert said(response) == ["Deleted your view 'Glos'"]
    assert list(SavedSearch.objects.all()) == [kept]
    assert client.get(open_url(view)).status_code == 404


def test_deleting_needs_the_csrf_token(people):
    view = SavedSearch.objects.create(owner=people["inspector"], name="Glos", query="")
    client = sign_in(Client(enforce_csrf_checks=True), people["inspector"])
    assert client.post(delete_url(view)).status_code == 403
    assert SavedSearch.objects.filter(pk=view.pk).exists()
