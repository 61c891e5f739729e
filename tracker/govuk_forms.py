"""The one adapter from Django forms to GOV.UK Frontend's Jinja macros.

`govuk_field(bound_field, **overrides)` (a Jinja global) picks the macro for the field's
widget and gives it the field's parameters: id and name, label (with "(optional)"), hint
from help_text, errorMessage from the field's errors, value, items for choices (checked
or selected) and a fieldset for radios, checkboxes and the three-part date input.
Overrides are merged into those parameters (dictionaries key by key), for example
`govuk_field(form.number, classes="govuk-input--width-4")`.

`govuk_error_list(form)` gives the error summary's errorList: each error linking to the
first input of its field.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from jinja2 import Environment, pass_environment
from markupsafe import Markup

# kind: (component folder, macro name) in govuk_frontend_jinja
MACROS = {
    "input": ("input", "govukInput"),
    "textarea": ("textarea", "govukTextarea"),
    "select": ("select", "govukSelect"),
    "radios": ("radios", "govukRadios"),
    "checkboxes": ("checkboxes", "govukCheckboxes"),
    "checkbox": ("checkboxes", "govukCheckboxes"),
    "date": ("date-input", "govukDateInput"),
    "file": ("file-upload", "govukFileUpload"),
}
# Widget attributes that become the input macro's own parameters.
INPUT_ATTRS = ("autocomplete", "inputmode", "pattern", "autocapitalize")


def widget_kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.MultiWidget):  # the GOV.UK date input
        return "date"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxInput):  # one yes/no box
        return "checkbox"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # a RadioSelect subclass
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


LABEL_FIELDS = {"Force": "name", "Region": "name", "InspectionReport": "title", "Theme": "name"}


def choices_of(field: forms.Field) -> list[tuple[object, object]]:
    """A choice field's choices, read once per form: a model choice field (and
    django-filter's) otherwise runs its query again every time it is iterated. For the
    reference tables it reads (value, label) pairs without building model instances."""
    cached: list[tuple[object, object]] | None = getattr(field, "_choices_once", None)
    if cached is None:
        queryset = getattr(field, "queryset", None)
        label = LABEL_FIELDS.get(getattr(queryset, "model", type).__name__)
        if isinstance(field, forms.ModelChoiceField) and queryset is not None and label:
            empty: list[tuple[object, object]] = (
                [("", field.empty_label)] if getattr(field, "empty_label", None) else []
            )
            value = field.to_field_name or "pk"
            cached = empty + list(queryset.values_list(value, label))
        else:  # a comprehension, not list(): no len(), so no COUNT query
            cached = [choice for choice in getattr(field, "choices", ())]
        vars(field)["_choices_once"] = cached
    return cached


def error_anchor(bound: BoundField) -> str:
    """The id an error summary link points at: the field's first input."""
    if widget_kind(bound.field.widget) in ("date", "radios", "checkboxes"):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def govuk_error_list(
    form: forms.BaseForm, *, field_labels: bool = False, non_field_href: str = ""
) -> list[dict[str, str]]:
    """The error summary's errorList: the form's own errors first (linking to
    non_field_href, if given), then each field's, linking to its first input; with
    field_labels, each field's error starts with its label."""
    errors: list[dict[str, str]] = [
        {"text": str(e), "href": non_field_href} if non_field_href else {"text": str(e)}
        for e in form.non_field_errors()
    ]
    for bound in form:
        for e in bound.errors:
            text = f"{bound.label}: {e}" if field_labels else str(e)
            errors.append({"text": text, "href": f"#{error_anchor(bound)}"})
    return errors


def _error_message(bound: BoundField) -> dict[str, object] | None:
    if not bound.errors:
        return None
    if len(bound.errors) == 1:
        return {"text": str(bound.errors[0])}
    return {"html": Markup("<br>").join(str(e) for e in bound.errors)}


def _chosen(bound: BoundField) -> set[str]:
    value = bound.value()
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return {"" if value is None else str(value)}


def field_params(bound: BoundField, kind: str) -> dict[str, Any]:
    """The macro's parameters for a bound field, as the portal shows every field."""
    field, widget = bound.field, bound.field.widget
    params: dict[str, Any] = {}
    if field.help_text:
        params["hint"] = {"text": str(field.help_text)}
    error = _error_message(bound)
    if error:
        params["errorMessage"] = {**error, "visuallyHiddenText": gettext("Error")}
    if kind in ("radios", "checkboxes", "date"):
        params["fieldset"] = {
            "legend": {"text": str(bound.label), "classes": "govuk-fieldset__legend--s"}
        }
    else:
        label = (
            str(bound.label)
            if field.required or kind == "file"
            else gettext("%(label)s (optional)") % {"label": bound.label}
        )
        params["label"] = {"text": label, "classes": "govuk-label--s"}
    if kind == "checkbox":
        # One box, labelled by the field's label, without a fieldset of its own.
        params.pop("label", None)
        params["idPrefix"] = bound.auto_id
        params["name"] = bound.html_name
        params["items"] = [
            {
                "value": "on",
                "text": str(bound.label),
                "checked": bool(bound.value()),
                "id": bound.auto_id,
            }
        ]
        return params
    if kind == "date":
        wrong = " govuk-input--error" if bound.errors else ""
        params["id"] = bound.auto_id
        params["items"] = [
            {
                "id": f"{bound.auto_id}_{index}",
                "name": f"{bound.html_name}_{index}",
                "label": label,
                "value": value,
                "classes": f"govuk-input--width-{width}{wrong}",
            }
            for index, (value, label, width) in enumerate(widget.parts)
        ]
        return params
    if kind in ("radios", "checkboxes"):
        chosen = _chosen(bound)
        params["idPrefix"] = bound.auto_id
        params["name"] = bound.html_name
        params["items"] = [
            {
                "value": str(key),
                "text": str(label),
                "checked": str(key) in chosen,
                "id": f"{bound.auto_id}_{index}",
            }
            for index, (key, label) in enumerate(choices_of(field))
        ]
        return params
    params["id"] = bound.auto_id
    params["name"] = bound.html_name
    if kind == "select":
        chosen = _chosen(bound)
        params["items"] = [
            {"value": str(key), "text": str(label), "selected": str(key) in chosen}
            for key, label in choices_of(field)
        ]
        if widget.allow_multiple_selected:
            params["attributes"] = {"multiple": {"value": True, "optional": True}}
        return params
    if kind == "file":
        params["multiple"] = bool(widget.attrs.get("multiple"))
        return params
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        value = None  # a password is never sent back to the browser
    else:
        value = widget.format_value(bound.value())
    params["value"] = "" if value is None else value  # govukTextarea prints None
    if kind == "textarea":
        params["rows"] = widget.attrs.get("rows", 5)
        return params
    params["type"] = getattr(widget, "input_type", None) or "text"
    for name in INPUT_ATTRS:
        if widget.attrs.get(name):
            params[name] = widget.attrs[name]
    if "spellcheck" in widget.attrs:
        params["spellcheck"] = str(widget.attrs["spellcheck"]).lower() == "true"
    return params


def _merge(params: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = dict(params)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _key(value: Any) -> Hashable:
    """Parameters as a hashable key; Markup apart from the same text unmarked."""
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if isinstance(value, Markup):
        return ("Markup", str(value))
    return value


# A macro's output depends on its parameters alone, and pages show the same choice fields
# again and again (the list's filters: 44 forces, hundreds of reports, the most costly
# part of the page): the latest renderings of choices are kept, per process. Fields
# people type into are cheap to render and are not kept.
CACHED_KINDS = ("select", "radios", "checkboxes")
_RENDERED: OrderedDict[Hashable, Markup] = OrderedDict()
_RENDERED_MAX = 200
_RENDERED_LOCK = threading.Lock()


@pass_environment
def govuk_field(env: Environment, bound: BoundField, **overrides: Any) -> Markup | SafeString:
    """The field rendered by the GOV.UK Frontend macro for its widget."""
    kind = widget_kind(bound.field.widget)
    if kind == "hidden":
        return bound.as_widget()  # Django's own <input type="hidden">, marked safe
    params = _merge(field_params(bound, kind), overrides)
    folder, name = MACROS[kind]
    module = env.get_template(f"govuk_frontend_jinja/components/{folder}/macro.html").module
    if kind not in CACHED_KINDS:
        return getattr(module, name)(params)
    key = (id(env), kind, _key(params))
    with _RENDERED_LOCK:
        html = _RENDERED.get(key)
        if html is not None:
            _RENDERED.move_to_end(key)
            return html
    html = getattr(module, name)(params)
    with _RENDERED_LOCK:
        _RENDERED[key] = html
        if len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return html
