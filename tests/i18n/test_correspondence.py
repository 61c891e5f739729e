"""Correspondence in each person's language (issue 30): the preference (set by the
person, by `add_user --language`, or from an identity provider's `locale` claim), and
the digest, closure notices and password reset e-mail sent in it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from forces.models import LanguagePreference
from forces.users import language_from_locale
from identity.models import IdentityProvider
from identity.people import person_signed_in
from recommendations import services
from recommendations.models import Status, TrackedItem
from tests.conftest import sign_in
from tests.factories import make_item

pytestmark = pytest.mark.django_db
START = dt.date(2025, 1, 10)


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


def language(user) -> str | None:
    return LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()


def test_add_user_records_the_language_english_by_default():
    out = io.StringIO()
    call_command(
        "add_user",
        "swyddog",
        "--role",
        "liaison-officer",
        "--force",
        "gwent",
        "--language",
        "cy",
        stdout=out,
    )
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.get(username="swyddog")
    assert language(person) == "cy"
    # Updated without --language: left as it is; with --language en: English.
    call_command("add_user", "swyddog", "--role", "liaison-officer", "--force", "gwent", stdout=out)
    assert language(person) == "cy"
    call_command(
        "add_user",
        "swyddog",
        "--role",
        "liaison-officer",
        "--force",
        "gwent",
        "--language",
        "en",
        stdout=out,
    )
    assert language(person) == "en"
    call_command("add_user", "newcomer", "--role", "inspector", stdout=out)
    assert language(get_user_model().objects.get(username="newcomer")) is None  # English
    with pytest.raises(CommandError, match="invalid choice: 'fr'"):
        call_command("add_user", "x", "--role", "inspector", "--language", "fr", stdout=out)


@pytest.mark.parametrize(
    "claim,expected",
    [
        ("cy", "cy"),
        ("cy-GB", "cy"),
        ("cy_GB", "cy"),
        ("CY", "cy"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        (None, None),
        (7, None),
    ],
)
def test_the_locale_claim_as_a_language(claim, expected):
    assert language_from_locale(claim) == expected


def test_the_providers_locale_claim_sets_the_language_until_the_person_chooses():
    provider = IdentityProvider.objects.create(
        name="Heddlu",
        issuer="https://idp.heddlu.example",
        client_id="c",
        client_secret_encrypted="x",
    )
    person = person_signed_in(provider, {"sub": "s-1", "locale": "cy-GB"})
    assert language(person) == "cy"
    # The person's own choice stands: a later sign-in's claim does not undo it.
    LanguagePreference.objects.filter(user=person).update(language="en")
    person_signed_in(provider, {"sub": "s-1", "locale": "cy"})
    assert language(person) == "en"
    other = person_signed_in(provider, {"sub": "s-2"})  # no claim: nothing recorded
    assert language(other) is None


def test_a_person_chooses_the_language_of_their_emails(people):
    client = sign_in(Client(), people["liaison-officer"])
    page = client.get("/accounts/language/")
    assert page.status_code == 200 and "Language of your e-mails" in page.content.decode()
    assert client.post("/accounts/language/", {"language": "cy"}).status_code == 302
    assert language(people["liaison-officer"]) == "cy"
    refused = client.post("/accounts/language/", {"language": "fr"})
    assert refused.status_code == 400 and language(people["liaison-officer"]) == "cy"
    assert Client().get("/accounts/language/").status_code == 302  # signed in only


def test_a_welsh_reader_gets_a_welsh_digest_and_an_english_one_an_english(make_user):
    officer = make_user("liaison-officer", "swyddog.gwent", force_slugs=["gwent"])
    lead = make_user("liaison-lead", "arweinydd", force_slugs=["gwent"])
    LanguagePreference.objects.create(user=officer, language="cy")
    with at(START):
        item = make_item(force="gwent", lead=lead, on=START)
        services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    with at(START + dt.timedelta(days=91)):
        call_command("send_stale_reminders", stdout=io.StringIO())
    sent = {m.to[0].split("@")[0]: m for m in mail.outbox}
    welsh, english = sent["swyddog.gwent"], sent["arweinydd"]
    assert welsh.subject == "Mae angen diweddariad ar 1 argymhelliad"
    assert welsh.body.startswith("\nHelo ") or "Helo " in welsh.body
    assert "Mae'r argymhellion hyn yn cael eu datblygu" in welsh.body
    assert "91 diwrnod ers y diweddariad diwethaf" in welsh.body
    assert "Heb ddiweddariad (1):" in welsh.body
    assert f"Argymhelliad {item.finding.number}, Gwent Police" in welsh.body
    assert "Traciwr Argymhellion" in welsh.body
    html, _mime = welsh.alternatives[0]
    assert '<html lang="cy">' in html and "<title>Argymhellion i'w dilyn</title>" in html
    assert english.subject == "1 stale recommendation need an update"
    assert "91 days since the last update" in english.body and "Helo" not in english.body


def test_closure_notices_go_in_each_readers_language(make_user):
    lead = make_user("liaison-lead", "arweinydd", force_slugs=["south-wales"])
    chief_cy = make_user("chief-of-staff", "pennaeth", region_slug="wales")
    chief_en = make_user("chief-of-staff", "chief.wales", region_slug="wales")
    LanguagePreference.objects.create(user=chief_cy, language="cy")
    LanguagePreference.objects.create(user=lead, language="cy")
    item = make_item(force="south-wales", lead=lead)
    services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    mail.outbox.clear()
    from recommendations import notifications
    from recommendations.models import ClosureProposal

    services.closure_propose(
        item=TrackedItem.objects.get(pk=item.pk),
        by=lead,
        reason="Wedi gorffen.",
        verified_by="documents",
    )
    proposal = ClosureProposal.objects.get(item=item)
    mail.outbox.clear()
    assert notifications.proposal_changed(proposal.pk) == 2
    by_reader = {m.to[0].split("@")[0]: m for m in mail.outbox}
    assert by_reader["pennaeth"].subject.startswith("Cynnig i gau ")
    assert "yn cynnig cau:" in by_reader["pennaeth"].body
    assert by_reader["chief.wales"].subject.startswith("Closure proposed for ")
    services.closure_return(
        item=TrackedItem.objects.get(pk=item.pk), by=chief_en, reason="Dim eto."
    )
    mail.outbox.clear()
    proposal.refresh_from_db()
    notifications.proposal_changed(proposal.pk)
    [notice] = mail.outbox
    assert notice.to == [lead.email]
    assert notice.subject.startswith("Cynnig cau wedi'i ddychwelyd ar gyfer ")
    assert "Dychwelodd " in notice.body and "Dim eto." in notice.body


def test_the_password_reset_email_is_in_the_persons_language(make_user):
    person = make_user("liaison-officer", "swyddog", force_slugs=["gwent"])
    LanguagePreference.objects.create(user=person, language="cy")
    response = Client().post("/accounts/password_reset/", {"email": person.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "Ailosod eich cyfrinair Traciwr Argymhellion"
    assert "Gofynnodd rhywun am ailosod cyfrinair" in message.body
    assert "/accounts/reset/" in message.body


def test_account_emails_are_in_the_persons_language(people):
    """The emails about a person's own account (two-factor set up, reset, a password
    changed) are written in their language: Welsh for a Welsh speaker, English else."""
    from tracker import two_factor
    from tracker.security import password_changed_notify

    welsh, english = people["liaison-officer"], people["liaison-lead"]
    LanguagePreference.objects.update_or_create(user=welsh, defaults={"language": "cy"})
    welsh.refresh_from_db()
    for person in (welsh, english):
        person.email = f"{person.username}@example.org"
        person.save(update_fields=["email"])
    mail.outbox.clear()
    two_factor.reset(user=welsh, by=people["admin"])
    password_changed_notify(welsh)
    password_changed_notify(english)
    first, second, third = mail.outbox
    assert first.to == [welsh.email]
    assert "Cafodd mewngofnodi dau gam ei ailosod ar eich cyfrif gan " in first.body
    assert "(amser y DU)." in first.body
    assert "Os mai chi wnaeth hyn" in first.body
    assert second.subject.startswith("Newidiwyd eich cyfrinair")
    assert "ailosodwch eich cyfrinair nawr yn " in second.body
    assert third.subject.startswith("Your ") and third.subject.endswith(" password was changed")
    assert "reset your password now at " in third.body
    assert "Newidiwyd" not in third.body
