"""An item's history of changes in plain language, for its history page and its audit
CSV: who (name, and role in the words people use), when, what, and each field's old and
new value by its label and display value (status, force and person names, themes by
name, "not set" for nothing), newest first, with the closure proposals' history
interleaved by time. A fixed number of queries, whatever the length of the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from forces.models import Force
from forces.selectors import people_roles
from tracker.humanise import long_date

from .models import ClosureProposal, Finding, Status, Theme, TrackedItem
from .selectors import items_visible_to
from .services.items import MOVED_WHEN_OVERDUE, REASON_PREFIX

NOT_SET = "not set"

# The fields a person changes, with the words the item page uses for them. The others
# are bookkeeping (version, timestamps, the date of the newest timeline entry).
FIELD_LABELS = {
    "status": "Status",
    "owner_name": "Owner's name",
    "owner_rank": "Owner's rank or title",
    "owner_department": "Owner's department",
    "target_date": "Target date",
    "first_target_date": "First target date",
    "target_date_moves": "Times the target date has moved",
    "liaison_lead": "Liaison lead",
    "superseded_by": "Superseded by",
    "portal_id": "Portal ID",
    "force": "Force",
    "finding": "Finding",
    "themes": "Themes",
}
PROPOSAL_WHAT = {
    ClosureProposal.State.AUTHORISED: "Closure authorised",
    ClosureProposal.State.RETURNED: "Closure proposal returned",
    ClosureProposal.State.WITHDRAWN: "Closure proposal withdrawn",
}

# What the item's own history rows say when a proposal is made or decided (services.closure)
PROPOSAL_EVENTS = {
    "Closure proposed",
    "Closure authorised",
    "Closure returned",
    "Closure withdrawn",
}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: dt.datetime
    who: str
    role: str
    what: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def iso(self) -> str:
        return timezone.localtime(self.when).isoformat()


def item_history_rows(item: TrackedItem, viewer: User) -> list[HistoryRow]:
    """The item's history and its closure proposals' history, newest first, as
    `viewer` may see it (another item named in it only when within their scope)."""
    records = list(item.history.order_by("history_date", "history_id"))
    proposal_records = list(
        ClosureProposal.history.filter(item_id=item.pk).order_by("history_date", "history_id")
    )
    theme_model: Any = item.history.model._meta.get_field(
        "historicaltrackeditem_themes"
    ).related_model
    themes_of: dict[int, set[int]] = {r.history_id: set() for r in records}
    for history_id, theme_id in theme_model.objects.filter(
        history_id__in=list(themes_of)
    ).values_list("history_id", "theme_id"):
        themes_of[history_id].add(theme_id)
    names = _Names(records, themes_of, viewer)
    user_ids = {r.history_user_id for r in records} | {r.history_user_id for r in proposal_records}
    people = people_roles(user_ids, force=item.force.name)
    statuses = names.statuses

    def who(user_id: int | None) -> tuple[str, str]:
        if user_id is None:
            return ("The system or the command line", "")
        return people.get(user_id, ("A former user", ""))

    rows: list[HistoryRow] = []
    previous = None
    for record in records:
        changes: list[Change] = []
        if previous is not None:
            for name, label in FIELD_LABELS.items():
                if name == "themes":
                    old_value: Any = themes_of[previous.history_id]
                    new_value: Any = themes_of[record.history_id]
                else:
                    attname = getattr(item._meta.get_field(name), "attname", name)
                    old_value = getattr(previous, attname)
                    new_value = getattr(record, attname)
                if old_value != new_value:
                    changes.append(
                        Change(label, names.show(name, old_value), names.show(name, new_value))
                    )
        person, role = who(record.history_user_id)
        reason = record.history_change_reason or ""
        what = _plain(reason, statuses) if reason else _default_what(record.history_type)
        what, why = _owner_change(what)
        repeated = bool(rows) and rows[-1].what == what and rows[-1].who == person
        if changes or not (repeated or what in PROPOSAL_EVENTS):
            # (a save that changed nothing shown, repeating the one before it, or a
            # proposal's, which the proposal's own rows below tell, is left out)
            rows.append(
                HistoryRow(record.history_date, person, role, what, reason=why, changes=changes)
            )
        previous = record
    last_state: dict[int, str] = {}
    for p in proposal_records:
        person, role = who(p.history_user_id)
        before = last_state.get(p.id)
        last_state[p.id] = p.state
        if p.history_type == "+":
            rows.append(
                HistoryRow(
                    p.history_date,
                    person,
                    role,
                    "Closure proposed",
                    reason=p.reason,
                    changes=[
                        Change(
                            "How closure was verified",
                            NOT_SET,
                            ClosureProposal.verified_text(p.verified_by, p.verified_other),
                        )
                    ],
                )
            )
        elif before != p.state:
            rows.append(
                HistoryRow(
                    p.history_date,
                    person,
                    role,
                    PROPOSAL_WHAT.get(p.state, "Closure proposal changed"),
                    reason=p.decision_reason,
                    changes=[
                        Change(
                            "Closure proposal",
                            _state(before),
                            _state(p.state),
                        )
                    ],
                )
            )
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows


def _owner_change(what: str) -> tuple[str, str]:
    """An owner and target date change's history reason is its timeline text
    (services.items.owner_change_text): its first line names what changed ("Owner and
    target date changed.") and is what the row says, with whether the item was overdue
    when its target date moved; its "Reason: " line is the row's reason. The fields' old
    and new values are the row's changes. Any other reason is kept whole."""
    first, _, rest = what.partition("\n")
    if not (rest and first.endswith(" changed.")):
        return what, ""
    headline = first[:-1]
    if MOVED_WHEN_OVERDUE in rest:
        headline += f" (the target date moved {MOVED_WHEN_OVERDUE})"
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        if line.startswith(REASON_PREFIX):  # the last part: a reason may have many lines
            return headline, "\n".join(lines[index:])[len(REASON_PREFIX) :]
    return headline, ""


def _state(state: str | None) -> str:
    return str(ClosureProposal.State(state).label) if state else NOT_SET


def _default_what(history_type: str) -> str:
    return {"+": "Added to the tracker", "-": "Deleted"}.get(history_type, "Changed")


def _plain(reason: str, statuses: dict[str, str]) -> str:
    """A stored reason, with any status slug ("Status changed to being-progressed") in
    words."""
    if reason == "Created":
        return _default_what("+")
    for slug, name in statuses.items():
        reason = reason.replace(slug, name)
    return reason


HIDDEN_ITEM = "an item you cannot see"


class _Names:
    """Display values for the ids the history records hold, each kind in one query."""

    def __init__(self, records: list[Any], themes_of: dict[int, set[int]], viewer: User) -> None:
        def ids(attname: str) -> set[int]:
            return {getattr(r, attname) for r in records if getattr(r, attname) is not None}

        self.statuses = dict(Status.objects.values_list("slug", "name"))
        self.forces = dict(Force.objects.filter(pk__in=ids("force_id")).values_list("pk", "name"))
        self.themes = dict(
            Theme.objects.filter(pk__in=set().union(*themes_of.values())).values_list("pk", "name")
        )
        self.leads = {pk: name for pk, (name, _) in people_roles(ids("liaison_lead_id")).items()}
        later = ids("superseded_by_id")
        items = (
            items_visible_to(viewer)
            .filter(pk__in=later)
            .select_related("finding", "force")
            .only("pk", "finding__kind", "finding__number", "force__name")
        )
        # A later item outside the viewer's scope is named by neither reference nor force.
        self.items = dict.fromkeys(later, HIDDEN_ITEM)
        self.items.update({i.pk: f"{i.finding.reference}, {i.force.name}" for i in items})
        self.findings = {
            f.pk: f.reference
            for f in Finding.objects.filter(pk__in=ids("finding_id")).only("kind", "number")
        }

    def show(self, name: str, value: Any) -> str:
        if value is None or value == "" or value == set():
            return "none" if name == "themes" else NOT_SET
        if name == "themes":
            return ", ".join(sorted(self.themes.get(t, "a removed theme") for t in value))
        lookups: dict[str, dict[Any, str]] = {
            "status": self.statuses,
            "force": self.forces,
            "liaison_lead": self.leads,
            "superseded_by": self.items,
            "finding": self.findings,
        }
        lookup = lookups.get(name)
        if lookup is not None:
            return str(lookup.get(value, NOT_SET))
        if isinstance(value, dt.date):
            return long_date(value)
        return str(value)


CSV_HEADERS = ["when", "who", "role", "what", "field", "from", "to", "reason"]


def csv_rows(rows: list[HistoryRow]) -> Iterator[list[object]]:
    """The history's CSV rows for audit (written by tracker.downloads.csv_lines, which
    neutralises every cell): one line per changed field (a change with none, one line),
    newest first."""
    for row in rows:
        when = timezone.localtime(row.when).strftime("%Y-%m-%d %H:%M:%S")
        changes: list[Change | None] = list(row.changes) or [None]
        for change in changes:
            yield [
                when,
                row.who,
                row.role,
                row.what,
                change.label if change else "",
                change.old if change else "",
                change.new if change else "",
                row.reason,
            ]
