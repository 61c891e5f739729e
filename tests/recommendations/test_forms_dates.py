"""GovukDateField: any day, month or year typed is a field error, never a server error."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from recommendations.forms import GovukDateField, OwnerForm

HUGE = "99999999999999999999"


def clean(day: str, month: str, year: str, label: str = "Target date") -> dt.date | None:
    return GovukDateField(label=label).clean([day, month, year])


@pytest.mark.parametrize(
    "parts",
    [
        (HUGE, "1", "2025"),
        ("1", HUGE, "2025"),
        ("1", "1", HUGE),
        (HUGE, HUGE, HUGE),
        ("1", "1", "9" * 5000),  # past Python's int() digit limit
        ("1", "1", "10000"),
        ("1", "1", "0"),
        ("1", "1", "999"),
        ("0", "1", "2025"),
        ("32", "1", "2025"),
        ("29", "2", "2025"),
        ("1", "13", "2025"),
        ("-1", "1", "2025"),
        ("1", "1", "-2025"),
        ("1_0", "1", "2025"),  # int() would read 10
        ("²", "1", "2025"),  # str.isdigit() is true, int() refuses it
        ("١", "1", "2025"),  # Arabic-Indic one: int() would read 1
        ("1.5", "1", "2025"),
    ],
)
def test_a_date_that_is_not_real_is_a_field_error(parts):
    with pytest.raises(ValidationError) as error:
        clean(*parts)
    assert error.value.messages == ["The target date must be a real date"]


@pytest.mark.parametrize(
    "parts,expected",
    [
        (("1", "1", "2025"), dt.date(2025, 1, 1)),
        ((" 09 ", "03", "2025"), dt.date(2025, 3, 9)),
        (("31", "12", "9999"), dt.date(9999, 12, 31)),
        (("1", "1", "1900"), dt.date(1900, 1, 1)),
        (("29", "2", "2024"), dt.date(2024, 2, 29)),
    ],
)
def test_real_dates_still_clean(parts, expected):
    assert clean(*parts) == expected


@pytest.mark.parametrize("year", ["1000", "1899"])
def test_a_year_before_1900_is_refused(year):
    """Issue 23: one rule for every date a person gives (tracker.dates), the API's too."""
    with pytest.raises(ValidationError) as error:
        clean("31", "12", year)
    assert error.value.messages == ["The target date must be in 1900 or later"]


def test_the_other_messages_are_unchanged():
    with pytest.raises(ValidationError) as error:
        clean("", "", "")
    assert error.value.messages == ["Enter the target date"]
    with pytest.raises(ValidationError) as error:
        clean(HUGE, "", "")
    assert error.value.messages == ["The target date must include a month and year"]
    assert GovukDateField(label="Target date", required=False).clean(["", "", ""]) is None


def test_the_owner_form_shows_a_huge_target_date_as_an_error():
    form = OwnerForm(
        {"version": 1, "target_date_0": "1", "target_date_1": "1", "target_date_2": HUGE}
    )
    assert not form.is_valid()
    assert form.errors["target_date"] == ["The target date must be a real date"]


# --- Through the views ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("part", [0, 1, 2])
def test_posting_a_huge_target_date_is_a_400_with_the_message(client_as, item, part):
    data = {"owner_name": "Lee", "version": item.version}
    parts = ["1", "1", "2030"]
    parts[part] = HUGE
    data |= {f"target_date_{i}": v for i, v in enumerate(parts)}
    response = client_as("liaison-officer").post(
        reverse("recommendations:action", args=[item.pk, "owner"]), data
    )
    assert response.status_code == 400
    assert "The target date must be a real date" in response.content.decode()
    item.refresh_from_db()
    assert item.target_date is None


@pytest.mark.django_db
@pytest.mark.parametrize("part", [0, 1, 2])
def test_posting_a_comment_with_a_huge_date_is_a_400_with_the_message(client_as, item, part):
    parts = ["1", "1", "2020"]
    parts[part] = HUGE
    data = {"text": "ok"} | {f"date_{i}": v for i, v in enumerate(parts)}
    response = client_as("liaison-lead").post(
        reverse("recommendations:action", args=[item.pk, "comment"]), data
    )
    assert response.status_code == 400
    assert "The date must be a real date" in response.content.decode()
    assert item.timeline.count() == 1


@pytest.mark.django_db
def test_a_new_report_with_a_huge_published_date_is_a_400(client_as):
    response = client_as("admin").post(
        reverse("recommendations:report_new"),
        {"published_0": "1", "published_1": "1", "published_2": HUGE},
    )
    assert response.status_code == 400
    assert "The date published must be a real date" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["updated_before", "updated_after", "published_before", "published_after"]
)
@pytest.mark.parametrize(
    "value", ["99999-99-99", "0000-01-01", "10000-01-01", HUGE, "2025-02-30", "9999-12-31"]
)
def test_the_list_filters_never_fail_on_a_date(client_as, item, name, value):
    for url in ("recommendations:list", "recommendations:export_csv"):
        response = client_as("inspector").get(reverse(url), {name: value, "date_2": HUGE})
        assert response.status_code in (200, 400), (url, name, value)
