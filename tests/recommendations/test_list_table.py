# ruff: noqa: E501  # the templates below are the markup as it was, line for line
"""The list's table is written out row by row (templates/recommendations/_list_table.html)
for speed (issue 29); these hold its markup equal to what the generic macros make of the
same rows: cardTable's sortable GOV.UK table, bulkCheckbox, ageingTags and govukTag."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.template import engines

from recommendations.views.listing import LIST_COLUMNS

# The list's table as list.html built it before issue 29, through the macros.
THROUGH_THE_MACROS = """
{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}
{% from "macros/app.html" import ageingTags, cardTable %}
{% from "macros/bulk.html" import bulkCheckbox %}
{% set head = [] %}
{% if may_bulk %}{% set _ = head.append({"html": '<span class="govuk-visually-hidden">Select</span>' | safe}) %}{% endif %}
{% for key, label in columns %}
  {% set _ = head.append({"text": label, "sort": sort_links[key], "classes": "app-table__wide" if key == "report" else ""}) %}
{% endfor %}
{% set body = [] %}
{% for r in rows %}
  {% set reference %}<a class="govuk-link" href="{{ r.url }}">{{ r.reference }}<span class="govuk-visually-hidden">, {{ r.force }}</span></a>{% if r.extract %}<span class="app-extract">{{ r.extract }}</span>{% endif %}{% endset %}
  {% set _ = body.append(([{"html": bulkCheckbox(r.id, r.reference ~ ", " ~ r.force), "lead": true, "classes": "app-table__select"}] if may_bulk else []) + [
    {"text": "" if r.portal_id is none else r.portal_id},
    {"text": r.force},
    {"text": r.report, "classes": "app-table__wide"},
    {"html": reference, "lead": true},
    {"html": ageingTags(govukTag({"text": r.status, "classes": "govuk-tag--" ~ r.tag if r.tag else ""}), r.overdue, r.stale, r.proposed, r.review_overdue), "classes": "app-table__tags", "lead": true},
    {"text": r.owner},
    {"html": ago(r.updated)},
    {"text": r.target | date("j M Y")},
  ]) %}
{% endfor %}
{{ cardTable({
  "sortable": true,
  "classes": "app-table--compact app-table--cards-until-desktop",
  "caption": "Recommendations, page " ~ page.number ~ " of " ~ page.paginator.num_pages,
  "captionClasses": "govuk-visually-hidden",
  "head": head,
  "rows": body,
}) }}
"""


def normalised(html: str) -> str:
    """Whitespace between and just inside tags dropped, other runs made one space."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r">\s+", ">", html)
    return re.sub(r"\s+<", "<", html).strip()


def row(pk: int, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": pk,
        "url": f"/recommendations/{pk}/",
        "portal_id": 1000 + pk,
        "force": "Avon & Somerset <Constabulary>",
        "report": 'PEEL 2025 "Avon"',
        "reference": f"Recommendation {pk}",
        "status": "Being progressed",
        "tag": "blue",
        "owner": "Ann O'Brien",
        "updated": dt.date(2026, 3, 4),
        "target": dt.date(2026, 12, 31),
        "overdue": False,
        "stale": False,
        "extract": "The force should <b>review</b> its …",
        "proposed": False,
        "review_overdue": None,
    }
    values.update(changes)
    return values


ROWS = [
    row(1),
    row(2, overdue=True, stale=True, proposed=True, review_overdue=3),
    row(3, review_overdue=1, tag="", extract="", portal_id=None, updated=None, target=None),
    row(4, portal_id=0, owner="", status="Closed", tag="green"),
]


class Page:
    number = 2

    class paginator:  # noqa: N801  # the attribute the template reads
        num_pages = 7


@pytest.mark.parametrize("may_bulk", [True, False])
def test_the_written_out_table_is_the_macros_markup(may_bulk):
    env = engines["jinja2"].env
    context = {
        "rows": ROWS,
        "may_bulk": may_bulk,
        "columns": LIST_COLUMNS,
        "sort_links": {
            key: {
                "href": f"?sort={key}&force=a&amp;b",
                "state": "ascending" if key == "updated" else "none",
            }
            for key, _ in LIST_COLUMNS
        },
        "page": Page,
    }
    macros = env.from_string(THROUGH_THE_MACROS).render(context)
    written = env.get_template("recommendations/_list_table.html").render(context)
    assert "Review overdue: 3 days" in written and "Review overdue: 1 day<" in written
    assert "&lt;Constabulary&gt;" in written and "<b>" not in written
    assert ('id="bulk-item-2"' in written) is may_bulk
    assert normalised(written) == normalised(macros)


# An item's timeline as item.html built it before issue 29, through mojTimeline.
TIMELINE_THROUGH_THE_MACROS = """
{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}
{% from "macros/moj.html" import mojTimeline %}
{% from "macros/text.html" import bulletedText %}
{% from "macros/evidence.html" import entryFiles %}
{% set entries = [] %}
{% for r in timeline %}
  {% set heading, body = r.label, r.text %}
  {% set first, _, rest = (r.text or "").partition("\\n") %}
  {% if r.event == "owner-changed" and rest and first.endswith(" changed.") %}
    {% set heading, body = first[:-1], rest %}
  {% endif %}
  {% set text %}{% if body %}{{ bulletedText(body) }}{% endif %}{{ entryFiles(files_of.get(r.id)) }}{% endset %}
  {% set label %}{{ heading }} {{ govukTag({"text": r.visibility_label, "classes": "govuk-tag--blue" if r.visibility == "public" else "govuk-tag--grey"}) if r.visibility_label }}{% endset %}
  {% set _ = entries.append({
    "label": {"html": label},
    "byline": {"text": r.by},
    "datetime": {"timestamp": r.iso, "format": "j F Y"},
    "html": text,
  }) %}
{% endfor %}
{{ mojTimeline({"items": entries, "headingLevel": 3}) }}
"""


def entry(pk: int, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": pk,
        "label": "Progress update",
        "event": "progress",
        "by": "Sam <Liaison> Officer, Gloucestershire",
        "iso": "2026-03-04",
        "text": "We have started • training • audits",
        "visibility": "public",
        "visibility_label": "Public",
    }
    values.update(changes)
    return values


class File:
    def __init__(self, name: str, removed: bool = False) -> None:
        self.name, self.url, self.type, self.size = name, f"/evidence/{name}", "PDF", "2 KB"
        self.marking, self.removed_at = "OFFICIAL", dt.date(2026, 1, 1) if removed else None


TIMELINE = [
    entry(1),
    entry(2, visibility="internal", visibility_label="Internal", text="Plain <text>"),
    entry(3, label="Status set to Closed", event="", text="", visibility_label=""),
    entry(4, event="owner-changed", text="Owner and target date changed.\nOwner: A\nTarget: B"),
    entry(5, text="", visibility_label="Internal", visibility="internal"),
    entry(6, text="", iso="2025-12-31"),
]


def test_the_written_out_timeline_is_the_macros_markup():
    env = engines["jinja2"].env
    context = {
        "timeline": TIMELINE,
        "files_of": {5: [File("a.pdf"), File("b.pdf", removed=True)], 1: [File("c.pdf")]},
    }
    macros = env.from_string(TIMELINE_THROUGH_THE_MACROS).render(context)
    written = env.get_template("recommendations/_timeline.html").render(context)
    assert "Owner and target date changed <strong" in written and "&lt;Liaison&gt;" in written
    assert "31 December 2025" in written and "b.pdf (removed)" in written
    assert normalised(written) == normalised(macros)


# A home page's table of items as macros/app.html's itemTable made it before issue 29.
ITEM_TABLE_THROUGH_THE_MACROS = """
{% from "macros/app.html" import ageingTags, cardTable, statusTag %}
{% macro oldItemTable(table, caption, empty, more_href=None) %}
  {% set body = [] %}
  {% for i, overdue in table.rows %}
    {% set link %}<a class="govuk-link" href="{{ url('recommendations:item', i.pk) }}">{{ i.finding.reference }}, {{ i.force.name }}</a><span class="app-extract">{{ i.finding.text | extract }}</span>{% endset %}
    {% set _ = body.append([
      {"html": link, "lead": true},
      {"text": i.finding.report.title, "classes": "app-table__wide"},
      {"html": ageingTags(statusTag(i.status), overdue, i.stale, i.proposed, i.review_overdue), "classes": "app-table__tags", "lead": true},
      {"html": ago(i.last_entry_on)},
      {"text": i.target_date | date("j M Y") or "Not set"},
    ]) %}
  {% else %}
    {% set _ = body.append([{"text": empty, "colspan": 5}]) %}
  {% endfor %}
  {#- The caption as a heading outside the table, so it wraps on a small screen. -#}
  <h3 class="govuk-heading-s govuk-!-margin-bottom-2">{{ caption }} ({{ table.count }})</h3>
  <div class="app-table-container" tabindex="0" role="region" aria-label="{{ caption }}">
    {{ cardTable({
      "caption": caption,
      "captionClasses": "govuk-visually-hidden",
      "head": [
        {"text": "Item"},
        {"text": "Report"},
        {"text": "Status"},
        {"text": "Last update"},
        {"text": "Target date"},
      ],
      "rows": body,
    }) }}
  </div>
  {% if table.count > table.rows | length %}
    <p class="govuk-body">Showing the first {{ table.rows | length }} of {{ table.count }}.
      {%- if more_href %} <a class="govuk-link" href="{{ more_href }}">See all {{ table.count }} in the list</a>{% endif %}</p>
  {% endif %}
{% endmacro %}

{#- Items by force and status, each count linking to its items. -#}

{{ oldItemTable(table, "Needs attention", "Nothing needs attention", more_href) }}
"""


def item(pk: int, **changes: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "pk": pk,
        "finding": SimpleNamespace(
            reference=f"Recommendation {pk}",
            text="The force should • act <now> • and later",
            report=SimpleNamespace(title='PEEL "2025"'),
        ),
        "force": SimpleNamespace(name="Dyfed-Powys Police"),
        "status": SimpleNamespace(name="Being progressed", tag_colour="blue"),
        "stale": False,
        "proposed": False,
        "review_overdue": None,
        "last_entry_on": dt.date(2026, 2, 1),
        "target_date": dt.date(2027, 1, 1),
    }
    values.update(changes)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("rows", "count", "more_href"),
    [
        (
            [
                (item(1), False),
                (item(2, stale=True, proposed=True, review_overdue=9), True),
                (
                    item(3, status=SimpleNamespace(name="Closed", tag_colour=""), target_date=None),
                    False,
                ),
            ],
            30,
            "/recommendations/?stale=yes",
        ),
        ([], 0, None),
    ],
)
def test_the_written_out_item_table_is_the_macros_markup(rows, count, more_href):
    env = engines["jinja2"].env
    context = {"table": {"rows": rows, "count": count}, "more_href": more_href}
    macros = env.from_string(ITEM_TABLE_THROUGH_THE_MACROS).render(context)
    written = env.from_string(
        '{% from "macros/app.html" import itemTable %}'
        '{{ itemTable(table, "Needs attention", "Nothing needs attention", more_href) }}'
    ).render(context)
    assert ("Nothing needs attention" in written) is (not rows)
    assert normalised(written) == normalised(macros)
