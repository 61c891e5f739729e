"""Small helpers that render GOV.UK Frontend markup from Django forms and models."""

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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
    context: dict[str, object] = {"f": bound, "kind": kind, "classes": classes}
    if kind in ("radios", "checkboxes", "select"):
        context["options"] = _options(bound)
    return context


LABEL_FIELDS = {"Force": "name", "Region": "name", "InspectionReport": "title", "Theme": "name"}


def choices_of(field: forms.Field) -> list[tuple[object, object]]:
    """A choice field's choices, read once per form: a model choice field (and
    django-filter's) otherwise runs its query again every time it is iterated. For the
    reference tables it reads (value, label) pairs without building model instances."""
    cached = getattr(field, "_choices_once", None)
    if cached is None:
        label = LABEL_FIELDS.get(getattr(getattr(field, "queryset", None), "model", type).__name__)
        if isinstance(field, forms.ModelChoiceField) and label:
            empty = [("", field.empty_label)] if getattr(field, "empty_label", None) else []
            value = field.to_field_name or "pk"
            cached = empty + list(field.queryset.values_list(value, label))
        else:
            cached = [choice for choice in field.choices]  # no len(), so no COUNT query
        field._choices_once = cached
    return cached


@register.simple_tag
def select_options(options: list[tuple[str, str, bool, str]]) -> str:
    """The <option>s of a select, built in Python: a template loop over hundreds of
    reports was the slowest part of the list page."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if selected else "", label)  # noqa: S308
            for value, label, selected, _ in options
        ),
    )


def _options(bound: BoundField) -> list[tuple[str, str, bool, str]]:
    """(value, label, selected, id) for each choice, worked out once in Python: far
    cheaper than rendering Django's option subwidgets for long lists of forces and reports."""
    value = bound.value()
    chosen = (
        {str(v) for v in value}
        if isinstance(value, list | tuple)
        else {"" if value is None else str(value)}
    )
    return [
        (str(key), str(label), str(key) in chosen, f"{bound.auto_id}_{index}")
        for index, (key, label) in enumerate(choices_of(bound.field))
    ]


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


TIMELINE_ITEM = (
    '<div class="moj-timeline__item"><div class="moj-timeline__header">'
    '<h3 class="moj-timeline__title">{}</h3>\n<p class="moj-timeline__byline">by {}</p></div>\n'
    '<p class="moj-timeline__date"><time datetime="{}">{}</time></p>\n{}</div>\n'
)


@register.simple_tag
def timeline_items(rows: list[dict[str, object]]) -> str:
    """The MOJ timeline's items, built in Python (every value escaped): an item can
    have hundreds of entries, and a template loop over them was most of the page's time."""
    return format_html_join(
        "",
        TIMELINE_ITEM,
        (
            (
                r["title"],
                r["by"],
                r["iso"],
                r["date"],
                format_html(
                    '<div class="moj-timeline__description app-timeline-text">{}</div>', r["text"]
                )
                if r["text"]
                else "",
            )
            for r in rows
        ),
    )
