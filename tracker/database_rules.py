"""The rules PostgreSQL itself enforces, declared in Python with django-pgtrigger.

- Timeline entries are append-only (`TimelineEntry.Meta.triggers`).
- Every history table (each `Historical*` model of django-simple-history, including the
  many-to-many ones) is append-only: `register_history_triggers`, called when the
  project starts, so a model that gains `HistoricalRecords` gains the trigger and
  `makemigrations --check` asks for its migration.
- A closure proposal is never deleted, and changes only once: from open to a decision,
  and only its decision columns (`ClosureProposal.Meta.triggers`).

The triggers are created by migrations (`pgtrigger.migrations.AddTrigger`), which do
nothing on SQLite. TRUNCATE is not refused, so emptying a test database still works.
A refused change raises `django.db.utils.InternalError` whose message names the rule.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges

HISTORY_TRIGGER = "history_append_only"


class Refuse(pgtrigger.Protect):
    """`pgtrigger.Protect`, raising a message that says which rule refused the change:
    "<UPDATE|DELETE> refused on <table>: <rule>"."""

    rule = "refused"

    def __init__(self, *, rule: str | None = None, **kwargs: Any) -> None:
        self.rule = rule or self.rule
        if "'" in self.rule or "%" in self.rule:
            raise ValueError("the rule is put in SQL as it is: no quotes or percent signs")
        super().__init__(**kwargs)

    def get_func(self, model: type[models.Model]) -> str:  # type: ignore[override]  # pgtrigger hints a model instance; it passes the class
        if self.level != pgtrigger.Row:  # pragma: no cover
            return super().get_func(model)
        return self.format_sql(
            f"RAISE EXCEPTION '% refused on %: {self.rule}', TG_OP, TG_TABLE_NAME;"
        )


class ChangesOtherThan(pgtrigger.Condition):
    """An UPDATE trigger's condition: true, so the update is refused, unless the row
    moves as `allowed` says (a `pgtrigger.Q` on `old__`/`new__`) and no column other
    than `fields` changes. Worked out from the model's columns when the trigger is
    compiled, so a column added later is protected too."""

    def __init__(self, allowed: pgtrigger.Q, *, fields: list[str]) -> None:
        self.allowed = allowed
        self.fields = list(fields)

    def resolve(self, model: type[models.Model]) -> str:
        for name in self.fields:
            model._meta.get_field(name)  # a misspelt field fails loudly
        refused = ~self.allowed
        for field in model._meta.concrete_fields:
            if field.name not in self.fields:
                refused |= pgtrigger.Q(
                    **{f"old__{field.name}__df": pgtrigger.F(f"new__{field.name}")}
                )
        return refused.resolve(model)


def append_only(*, name: str, rule: str) -> Refuse:
    return Refuse(name=name, operation=pgtrigger.Update | pgtrigger.Delete, rule=rule)


def history_models() -> list[type[models.Model]]:
    """Every history model of django-simple-history in the project."""
    return [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]


def register_history_triggers() -> None:
    """Make every history table append-only (called from `TrackerConfig.ready`)."""
    for model in history_models():
        if any(t.name == HISTORY_TRIGGER for t in getattr(model._meta, "triggers", [])):
            continue
        append_only(name=HISTORY_TRIGGER, rule="history is append-only").register(model)  # type: ignore[arg-type]  # pgtrigger hints an instance; it takes the class
