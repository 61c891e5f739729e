"""The places where the feature apps plug into the core (issue 24: imports point toward
the core). `recommendations` imports no feature app (evidence, monitoring, responses,
savedsearches, api); a feature that adds to what the core does registers here, from its
AppConfig.ready(), and the core calls what was registered:

- `register_file_store`: where the files that come with a change are kept (evidence).
  The services call it inside their transaction, so a refused file rolls the whole
  change back.
- `register_list_filter`: a filter of the outstanding-items list, its exports, the saved
  views and the API (responses: the PCC's response to the item's report).
- `register_digest_section`: lines of the reminder digest (responses: overdue PCC
  responses), claimed by the same sweep and sent in the same email.
- `register_closure_check`: asked by `closure_propose` under the item's lock; may refuse
  the proposal or add a line to its timeline entry (engage: open improvement plan
  actions of a cause of concern).
- `register_monitoring_stages` and `register_public_model`: what the public site reads
  of a feature (engage: the forces in Engage, since when) and whose changes refresh it.

What a change means for the rest (the public site's cache, evidence retention,
notifications) is announced through the signals in `recommendations.signals` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import django_filters
    from django.contrib.auth.models import User

    from forces.models import Force

    from .models import TimelineEntry, TrackedItem


class AttachedFile(Protocol):
    """A file that comes with a change, already checked by the app that stores it (the
    core only hands it on)."""

    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def content_type(self) -> str: ...

    @property
    def sha256(self) -> str: ...

    @property
    def file(self) -> IO[bytes]: ...


class FileStore(Protocol):
    def __call__(
        self,
        *,
        item: TrackedItem,
        entry: TimelineEntry,
        by: User,
        files: Sequence[AttachedFile],
        marking: str,
    ) -> object: ...


@dataclass(frozen=True)
class ListFilter:
    """One more filter of the items list (`recommendations.filters.ItemFilter`).

    `make` builds the django-filter Filter (its `method` a callable taking the queryset,
    the name and the value); it is placed after the filter named `after`."""

    name: str
    make: Callable[[], django_filters.Filter]
    after: str


@dataclass(frozen=True)
class DigestSection:
    """More lines of the stale-items digest, claimed and sent with the items' reminders
    (`recommendations.reminders`). `name` is the digest templates' name for the lines.

    - `claim(on, officers, leads)`: claim what is due on `on` and write the deliveries,
      inside the sweep's transaction (`officers`/`leads`: user ids by force id);
    - `pending_people()`: the users with deliveries waiting;
    - `lock_pending(user_id)`: the person's waiting deliveries, locked (SKIP LOCKED)
      until the digest's transaction ends;
    - `lines(locked, on)`: what the digest says of each;
    - `subject(count)`: the subject's words for `count` of them ("2 overdue ...");
    - `mark_sent(locked)`: mark them sent, in the digest's transaction.
    """

    name: str
    claim: Callable[[dt.date, dict[int, set[int]], dict[int, set[int]]], object]
    pending_people: Callable[[], set[int]]
    lock_pending: Callable[[int], list[Any]]
    lines: Callable[[list[Any], dt.date], list[dict[str, object]]]
    subject: Callable[[int], str]
    mark_sent: Callable[[list[Any]], None]


_file_store: FileStore | None = None
_list_filters: dict[str, ListFilter] = {}
_list_filters_read = False
_digest_sections: dict[str, DigestSection] = {}


def register_file_store(store: FileStore) -> None:
    """Say where the files that come with a change are stored (one store)."""
    global _file_store
    _file_store = store


def file_store() -> FileStore | None:
    return _file_store


def register_list_filter(hook: ListFilter) -> None:
    """Add a filter to the items list. Call it from AppConfig.ready(): the list's
    FilterSet takes the filters registered when it is first imported, and the saved
    views and the API copy its filters then."""
    if _list_filters_read:
        raise RuntimeError(
            f"register the list filter {hook.name!r} before recommendations.filters is "
            "imported (from AppConfig.ready())"
        )
    _list_filters[hook.name] = hook


def list_filters() -> list[ListFilter]:
    """The registered list filters (from now on, registering more is refused)."""
    global _list_filters_read
    _list_filters_read = True
    return list(_list_filters.values())


def register_digest_section(section: DigestSection) -> None:
    _digest_sections[section.name] = section


def digest_sections() -> list[DigestSection]:
    return list(_digest_sections.values())


# What `closure_propose` asks, under the item's lock, before a proposal is made:
# (item, by, open_actions_reason) -> a line to add to the proposal's timeline entry ("" for
# none); a refusal is raised as a DomainError naming the form's field.
ClosureCheck = Callable[["TrackedItem", "User", str], str]
_closure_checks: list[ClosureCheck] = []
_public_models: list[type] = []


def register_closure_check(check: ClosureCheck) -> None:
    if check not in _closure_checks:
        _closure_checks.append(check)


def closure_checks() -> list[ClosureCheck]:
    return list(_closure_checks)


@dataclass(frozen=True)
class MonitoringStages:
    """What the public site reads of the forces' monitoring stages (engage): `since`, the
    date a force (by id) entered Engage, None when it is in Scan; `in_engage`, the forces
    in Engage now with the date each entered, by name."""

    since: Callable[[int], dt.date | None]
    in_engage: Callable[[], list[tuple[Force, dt.date]]]


_monitoring_stages: MonitoringStages | None = None


def register_monitoring_stages(stages: MonitoringStages) -> None:
    global _monitoring_stages
    _monitoring_stages = stages


def engage_since(force_id: int) -> dt.date | None:
    return _monitoring_stages.since(force_id) if _monitoring_stages is not None else None


def forces_in_engage() -> list[tuple[Force, dt.date]]:
    return _monitoring_stages.in_engage() if _monitoring_stages is not None else []


def register_public_model(model: type) -> None:
    """A feature's model whose changes change the public pages (their cache)."""
    if model not in _public_models:
        _public_models.append(model)


def public_models() -> tuple[type, ...]:
    return tuple(_public_models)
