"""tracker.refusals: one mapping from a domain error to a page, whatever the door: on the
form under its field (or at its top), with the error's own status code; a 403 is the 403
page; an error no view catches is a page with its message and status."""

from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from recommendations import errors, services
from tests.conftest import progressed
from tests.factories import make_item
from tracker.refusals import form_error, refusal_status, render_refusal, shows_refusals

ROOT = Path(__file__).resolve().parents[2]


class NameForm(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput)


def bound(**data) -> NameForm:
    form = NameForm({"name": "A name", **data})
    assert form.is_valid()
    return form


def test_an_error_naming_a_field_of_the_form_goes_under_that_field():
    form = bound()
    status = form_error(form, errors.DomainError("That name is taken", field="name"))
    assert status == 400
    assert form.errors == {"name": ["That name is taken"]}
    assert "name" not in form.cleaned_data and not form.is_valid()


def test_an_error_naming_no_field_another_or_a_hidden_one_goes_at_the_top_of_the_form():
    form = bound()
    assert form_error(form, errors.ItemChanged()) == 409
    assert form_error(form, errors.DomainError("No such field", field="elsewhere")) == 400
    assert form_error(form, errors.DomainError("Bad filters", field="query")) == 400
    assert form.non_field_errors() == [errors.ItemChanged.message, "No such field", "Bad filters"]
    assert form["query"].errors == []


def test_an_unbound_form_can_show_an_error_too():
    """A body refused before it was read has nothing to bind the form to."""
    form = NameForm()
    assert form_error(form, errors.DomainError("Too large", field="note")) == 400
    assert form.errors == {"note": ["Too large"]} and not form.is_valid()
    assert form["note"].errors == ["Too large"]


def test_the_policy_s_answer_a_class_is_shown_as_an_instance_would_be():
    form = bound()
    assert form_error(form, errors.InvalidTransition) == 409
    assert form.non_field_errors() == [errors.InvalidTransition.message]


@pytest.mark.parametrize("error", [errors.NotPermitted, errors.OutsideScope()])
def test_a_403_is_never_a_message_on_a_form(error):
    form = bound()
    with pytest.raises(PermissionDenied):
        form_error(form, error)
    assert form.errors == {}
    with pytest.raises(PermissionDenied):
        refusal_status(error)


def test_a_refusal_without_a_form_is_a_page_with_its_message_and_status():
    response = render_refusal(RequestFactory().get("/"), errors.ProposalOpen())
    assert response.status_code == 409
    assert "Withdraw the closure proposal first" in response.content.decode()


def test_an_error_a_view_lets_through_becomes_its_page():
    @shows_refusals
    def view(request, error):
        raise error

    request = RequestFactory().get("/")
    assert view(request, errors.AlreadyAuthorised()).status_code == 409
    assert view(request, errors.FutureDate()).status_code == 400
    with pytest.raises(PermissionDenied):
        view(request, errors.NotYourProposal())
    assert shows_refusals(lambda request: HttpResponse("fine"))(request).status_code == 200


@pytest.mark.django_db
def test_a_state_refusal_is_the_action_page_with_the_message_and_its_status(client_as, people):
    """An item whose proposal is open refuses a second proposal: the page says why with
    the error's status (409), with no form."""
    lead = people["liaison-lead"]
    item = progressed(make_item(force="gloucestershire", lead=lead), lead)
    client = client_as("liaison-lead")
    url = reverse("recommendations:action", args=[item.pk, "propose-closure"])
    services.closure_propose(
        item=item, by=lead, reason="Done", verified_by="documents", verified_other=""
    )
    response = client.get(url)
    assert response.status_code == 409
    assert errors.ClosureAlreadyProposed.message in response.content.decode()


def test_no_view_writes_a_form_s_error_cache():
    found = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "node_modules", "tests", "build"}:
            continue
        if "._errors" in path.read_text(encoding="utf-8"):
            found.append(str(path.relative_to(ROOT)))
    assert found == [] or found == ["tracker/refusals.py"], found
