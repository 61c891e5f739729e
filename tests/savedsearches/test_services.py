"""savedsearches.services and savedsearches.selectors: the one door for saving and
deleting a person's views of the recommendations list, and the reads that only ever
return the person's own."""

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from recommendations.errors import DomainError
from savedsearches import selectors, services
from savedsearches.models import MAX_PER_PERSON, NAME_MAX_LENGTH, QUERY_MAX_LENGTH, SavedSearch

pytestmark = pytest.mark.django_db


def create(owner, name="Glos overdue", query="force=gloucestershire&overdue=yes"):
    return services.saved_search_create(owner=owner, name=name, query=query)


def refused(owner, name="Glos overdue", query="") -> DomainError:
    with pytest.raises(DomainError) as caught:
        create(owner, name, query)
    return caught.value


# Names ----------------------------------------------------------------------------------


def test_a_view_keeps_its_name_tidied_and_its_owner(people):
    view = create(people["inspector"], "  Glos     overdue  ")
    assert (view.owner, view.name) == (people["inspector"], "Glos overdue")
    assert SavedSearch.objects.get() == view


@pytest.mark.parametrize(
    "taken", ["Glos overdue", "GLOS OVERDUE", "glos overdue", " glos  Overdue "]
)
def test_names_are_unique_per_person_whatever_the_case(people, taken):
    create(people["inspector"], "Glos overdue")
    error = refused(people["inspector"], taken)
    assert error.field == "name"
    assert "You already have a view called" in error.message
    assert SavedSearch.objects.count() == 1


def test_another_person_may_use_the_same_name(people):
    create(people["inspector"], "Glos overdue")
    create(people["admin"], "GLOS OVERDUE")
    assert SavedSearch.objects.count() == 2


def test_the_database_keeps_names_unique_per_person_whatever_the_case_and_not_blank(people):
    """The rule holds below the service too (a race between two saves)."""
    SavedSearch.objects.create(owner=people["inspector"], name="Mine", query="")
    SavedSearch.objects.create(owner=people["admin"], name="Mine", query="")  # someone else's
    for name in ("mINE", "   ", "tab\there"):
        with pytest.raises(IntegrityError), transaction.atomic():
            SavedSearch.objects.create(owner=people["inspector"], name=name, query="")


def test_a_name_of_80_characters_is_kept_and_81_refused(people):
    inspector = people["inspector"]
    longest = "x" * NAME_MAX_LENGTH
    assert create(inspector, longest).name == longest
    error = refused(inspector, "y" * (NAME_MAX_LENGTH + 1))
    assert error.field == "name"
    assert error.message == "The name must be 80 characters or fewer"
    assert SavedSearch.objects.count() == 1


def test_the_80_characters_are_counted_once_the_name_is_tidied(people):
    tidied = create(people["inspector"], "  " + "a" * 39 + "     " + "b" * 40 + "  ")
    assert tidied.name == "a" * 39 + " " + "b" * 40  # 80 once its spaces are tidied


@pytest.mark.parametrize(
    "name,message",
    [
        ("", "Enter a name for this view"),
        ("     ", "Enter a name for this view"),
        ("tab\there", "The name cannot contain control characters"),
        ("bell\x07", "The name cannot contain control characters"),
        ("Glos \u202eeudrevo", "The name cannot contain characters that change the direction"),
    ],
)
def test_empty_and_unclean_names_are_refused(people, name, message):
    error = refused(people["inspector"], name)
    assert error.field == "name" and message in error.message
    assert not SavedSearch.objects.exists()


# At most 50 views a person ------------------------------------------------------------


def fill(owner, n=MAX_PER_PERSON):
    SavedSearch.objects.bulk_create(
        SavedSearch(owner=owner, name=f"View {i}", query="") for i in range(n)
    )


def test_a_person_keeps_at_most_50_views(people):
    inspector = people["inspector"]
    fill(inspector, MAX_PER_PERSON - 1)
    create(inspector, "The fiftieth")
    error = refused(inspector, "The fifty-first")
    assert error.field == "name"
    assert error.message == "You can keep up to 50 views. Delete one first"
    assert SavedSearch.objects.filter(owner=inspector).count() == MAX_PER_PERSON


def test_deleting_one_makes_room_and_others_views_do_not_count(people):
    inspector, admin = people["inspector"], people["admin"]
    fill(inspector)
    create(admin, "Someone else's")  # the limit is each person's own
    oldest = SavedSearch.objects.filter(owner=inspector).first()
    assert oldest is not None
    services.saved_search_delete(owner=inspector, pk=oldest.pk)
    create(inspector, "Room again")
    assert SavedSearch.objects.filter(owner=inspector).count() == MAX_PER_PERSON


# The filters a view keeps -------------------------------------------------------------


def test_a_view_keeps_only_the_lists_filters_in_a_stable_order(people):
    view = create(
        people["inspector"],
        query="page=3&x=1&overdue=yes&force=gloucestershire&q=&sort=-target_date&status=",
    )
    assert view.query == "force=gloucestershire&overdue=yes&sort=-target_date"


def test_a_filter_given_twice_keeps_both_values(people):
    view = create(people["inspector"], query="force=west-midlands&force=gloucestershire&force=")
    assert view.query == "force=west-midlands&force=gloucestershire"


def test_no_filters_is_a_view_of_the_whole_list(people):
    assert create(people["inspector"], query="").query == ""


@pytest.mark.parametrize(
    "query",
    ["updated_after=soon", "force=atlantis", "status=lost", "sort=shoe-size", "overdue=maybe"],
)
def test_filters_the_list_would_show_as_a_problem_are_refused(people, query):
    error = refused(people["inspector"], "Broken", query)
    assert error.field == "query"
    assert "These filters have a problem" in error.message
    assert not SavedSearch.objects.exists()


def test_a_force_outside_the_persons_scope_is_refused(people):
    """The chief of staff of the South West has no West Midlands to filter by."""
    chief = people["chief-of-staff"]
    assert create(chief, "Devon", "force=devon-and-cornwall").query == "force=devon-and-cornwall"
    error = refused(chief, "Elsewhere", "force=west-midlands")
    assert error.field == "query"


def test_filters_too_long_to_keep_are_refused(people):
    words = "word " * (QUERY_MAX_LENGTH // 5 + 1)
    error = refused(people["inspector"], "Wordy", f"q={words}")
    assert error.field == "query"
    assert error.message == "These filters are too long to save as a view"
    assert not SavedSearch.objects.exists()


# Deleting -------------------------------------------------------------------------------


def test_deleting_a_view_returns_its_name_and_removes_only_it(people):
    inspector = people["inspector"]
    doomed, kept = create(inspector, "Doomed"), create(inspector, "Kept")
    assert services.saved_search_delete(owner=inspector, pk=doomed.pk) == "Doomed"
    assert list(SavedSearch.objects.all()) == [kept]


def test_another_persons_view_cannot_be_deleted_and_is_not_found(people):
    view = create(people["inspector"])
    for someone_else in (people["admin"], people["liaison-lead"]):
        with pytest.raises(Http404):
            services.saved_search_delete(owner=someone_else, pk=view.pk)
    assert SavedSearch.objects.filter(pk=view.pk).exists()


def test_deleting_a_view_that_is_gone_is_not_found(people):
    view = create(people["inspector"])
    services.saved_search_delete(owner=people["inspector"], pk=view.pk)
    with pytest.raises(Http404):
        services.saved_search_delete(owner=people["inspector"], pk=view.pk)


# Selectors ------------------------------------------------------------------------------


def test_a_person_reads_only_their_own_views_by_name_whatever_the_case(people):
    inspector, admin = people["inspector"], people["admin"]
    for name in ("charlie", "Bravo", "alpha"):
        create(inspector, name)
    create(admin, "Admin's own")
    assert [v.name for v in selectors.saved_searches_of(inspector)] == [
        "alpha",
        "Bravo",
        "charlie",
    ]
    assert [v.name for v in selectors.saved_searches_of(admin)] == ["Admin's own"]
    assert list(selectors.saved_searches_of(people["liaison-lead"])) == []


def test_one_view_is_its_owners_and_anyone_elses_is_not_found(people):
    view = create(people["inspector"])
    assert selectors.saved_search_of(people["inspector"], view.pk) == view
    with pytest.raises(Http404):
        selectors.saved_search_of(people["admin"], view.pk)
    with pytest.raises(Http404):
        selectors.saved_search_of(people["inspector"], view.pk + 1000)
    with transaction.atomic():
        assert selectors.saved_search_of(people["inspector"], view.pk, for_update=True) == view
