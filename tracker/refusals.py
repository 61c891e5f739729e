"""The one mapping from a domain error (tracker.errors.DomainError, which
recommendations.errors extends: its message, its http_status and the field it names)
to an HTML page, for every door of the portal's pages: item actions, evidence,
responses, reports, forces, bulk, the API token pages, saved views and imports. The
API keeps its own mapping (api.problems, problem+json).

- `refusal_status(error)`: the status code a page shows the error with. A 403 is never
  a message on a page: it raises PermissionDenied, so the person gets the 403 page and
  the security log its `access-denied` event (tracker.views.permission_denied).
- `form_error(form, error)`: the error on the form, under the field it names when the
  form shows that field, else at the top of the form (bound or not); returns the status.
  No view writes a form's error cache (`form._errors`) itself.
- `render_refusal(request, error)`: the page for a refusal with no form to show it on
  (400.html with the error's message, under the error's status).
- `shows_refusals`: a view decorator; a DomainError the view does not catch becomes
  render_refusal's page, so a view may simply `raise` the policy's refusal.

An error may be given as an instance or as its class (policy.refusal answers with the
class): both carry the message and the status.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import DomainError

Error = DomainError | type[DomainError]
View = TypeVar("View", bound=Callable[..., HttpResponse])


def _instance(error: Error) -> DomainError:
    return error() if isinstance(error, type) else error


def refusal_status(error: Error) -> int:
    """The error's own status code; PermissionDenied (the 403 page) for a 403."""
    if error.http_status == 403:
        raise PermissionDenied(error.message)
    return error.http_status


def form_error(form: forms.BaseForm, error: Error) -> int:
    """Show `error` on `form`: under its field when the form shows one of that name, else
    at the top of the form (a hidden input's error too). Returns the status code the
    page goes out with."""
    status = refusal_status(error)
    error = _instance(error)
    if not form.is_bound and not hasattr(form, "cleaned_data"):
        # An unbound form (a body refused unread) has nothing cleaned; add_error expects
        # the attribute.
        form.cleaned_data = {}
    field = form.fields.get(error.field or "")
    shown = field is not None and not field.widget.is_hidden
    form.add_error(error.field if shown else None, error.message)
    return status


def render_refusal(request: HttpRequest, error: Error) -> HttpResponse:
    """The page for a refusal that has no form to show it on: the error's message under
    its status code (400.html says nothing was saved), or the 403 page."""
    status = refusal_status(error)
    return render(request, "400.html", {"message": error.message}, status=status)


def shows_refusals(view: View) -> View:
    """A DomainError the view lets through becomes render_refusal's page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render_refusal(request, error)

    return cast("View", wrapper)
