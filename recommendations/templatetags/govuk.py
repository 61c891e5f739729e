"""Small helpers that render GOV.UK Frontend markup from Django forms and models."""

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.inclusion_tag("components/field.html")
def field(bound: BoundField, classes: str = "") -> dict[str, object]:
    widget = bound.field.widget
    if isinstance(widget, forms.HiddenInput):
        kind = "hidden"
    elif isinstance(widget, forms.MultiWidget):
        kind = "date"
    elif isinstance(widget, forms.Textarea):
        kind = "textarea"
    elif isinstance(widget, forms.CheckboxSelectMultiple):  # a RadioSelect subclass
        kind = "checkboxes"
    elif isinstance(widget, forms.RadioSelect):
        kind = "radios"
    elif isinstance(widget, forms.Select):
        kind = "select"
    elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        kind = "file"
    else:
        kind = "input"
    return {"f": bound, "kind": kind, "classes": classes}


@register.inclusion_tag("components/status_tag.html")
def status_tag(status: object) -> dict[str, object]:
    return {"status": status}


@register.filter
def error_anchor(bound: BoundField) -> str:
    """The id an error summary link should point at: the first input of the field."""
    if isinstance(bound.field.widget, forms.MultiWidget):
        return f"{bound.auto_id}_0"
    if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return bound.auto_id


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key, "") if mapping else ""
