"""The kernel's ways of showing things, each in one place: the long date
(tracker.humanise, the templates' `long_date` filter), a person's name
(forces.selectors.display_name, also in templates), the bullets of a text
(tracker.text.split_bullets, through the bulletedText macro), and the emails about
a person's own account (tracker.account_mail)."""

import datetime as dt
from unittest import mock

import pytest
from django.template import engines
from django.test import override_settings

from forces.selectors import display_name, name_of, people_roles
from tracker.account_mail import account_notice
from tracker.humanise import long_date, long_datetime

LONDON_SUMMER_NIGHT = dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC)  # 1 July, 00:30 BST


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


@pytest.mark.parametrize(
    "value,shown",
    [
        (dt.date(2025, 1, 2), "2 January 2025"),
        (dt.date(2024, 12, 25), "25 December 2024"),
        ("2025-03-09", "9 March 2025"),
        (LONDON_SUMMER_NIGHT, "1 July 2025"),  # the portal's day, not UTC's
        (None, ""),
        ("", ""),
    ],
)
def test_the_long_date(value, shown):
    assert long_date(value) == shown
    assert render("{{ d | long_date }}", d=value) == shown


def test_the_long_date_with_its_time():
    assert long_datetime(LONDON_SUMMER_NIGHT) == "1 July 2025 at 00:30"
    assert long_datetime(None) == ""
    assert render("{{ t | long_datetime }}", t=LONDON_SUMMER_NIGHT) == "1 July 2025 at 00:30"


def test_a_missing_date_in_a_template_falls_back_as_before():
    assert render('{{ missing | long_date or "Not set" }}') == "Not set"


@pytest.mark.django_db
def test_a_person_is_named_one_way_in_code_rows_and_templates(make_user):
    named = make_user("liaison-lead", "alex")
    named.first_name, named.last_name = "Alex", "Smith"
    named.save()
    bare = make_user("inspector", "sam")
    assert display_name(named) == "Alex Smith" and display_name(bare) == "sam"
    assert display_name(None) == ""
    assert name_of("Alex", "Smith", "alex") == "Alex Smith"
    assert name_of("", None, "sam") == "sam" and name_of(None, " Jones", "x") == "Jones"
    roles = people_roles([named.pk, bare.pk])
    assert roles[named.pk][0] == "Alex Smith" and roles[bare.pk][0] == "sam"
    assert render("{{ display_name(p) }}", p=named) == "Alex Smith"


def test_bullets_are_split_by_the_one_function_in_templates_too():
    macro = '{% from "macros/text.html" import bulletedText %}{{ bulletedText(t) }}'
    html = render(macro, t="Take steps to: • audit the files; • train the staff")
    assert '<div class="app-timeline-text ">Take steps to:</div>' in html
    assert "<li>audit the files;</li><li>train the staff</li>" in html and "•" not in html
    plain = render(macro, t="No bullets\nhere")
    assert plain.strip() == '<div class="app-timeline-text ">No bullets\nhere</div>'


@pytest.mark.django_db
def test_the_account_email_says_what_when_and_what_to_do(make_user, mailoutbox):
    person = make_user("liaison-lead", "ruth")
    person.first_name = "Ruth"
    person.save()
    with mock.patch("tracker.account_mail.timezone.now", return_value=LONDON_SUMMER_NIGHT):
        assert account_notice(person, "Two-factor sign-in was set up on your account")
    (message,) = mailoutbox
    assert message.to == ["ruth@example.org"]
    assert (
        message.subject == "Recommendation Tracker: Two-factor sign-in was set up on your account"
    )
    assert message.body.startswith("Hello Ruth,\n\nTwo-factor sign-in was set up")
    assert "on 1 July 2025 at 00:30 (UK time)" in message.body
    assert "reset your password and tell your administrator now" in message.body


@pytest.mark.django_db
def test_no_email_address_no_email(make_user, mailoutbox):
    person = make_user("inspector", "nomail")
    person.email = ""
    assert account_notice(person, "Something happened") is False
    assert mailoutbox == []


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.tracker.test_dates_names_mail.BrokenBackend")
def test_a_mail_server_that_fails_is_logged_not_raised(make_user, caplog):
    person = make_user("inspector", "unlucky")
    with caplog.at_level("ERROR", logger="tracker.operations"):
        assert account_notice(person, "Something happened", subject="Hello") is False
    assert "account email not sent" in caplog.text


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.tracker.test_dates_names_mail.BrokenBackend")
def test_the_password_email_failing_is_a_security_event(make_user, caplog):
    from tracker.security import password_changed_notify

    person = make_user("inspector", "unlucky")
    with caplog.at_level("ERROR", logger="tracker.security"):
        password_changed_notify(person)
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    assert any(e["event"] == "password-change-email-failed" for e in events)


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")
