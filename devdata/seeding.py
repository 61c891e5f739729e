"""A realistic national-scale data set for benchmarks: `manage.py seed_demo`.

Every force, reports of every kind from 2014, findings issued per force (national ones
to all 44), timelines of 1 to 20 entries in date order with realistic gaps, every status,
some stale, some overdue, some with closure proposals pending. Reproducible for a seed.
Written in bulk: items with their history rows, timeline entries and themes with COPY on
PostgreSQL (one statement per 100,000 items, so the counts table's trigger runs once per
chunk: about 1,600 items/s here, see docs/performance.md); reports, findings and proposals
(a few thousand) with simple-history's bulk_create_with_history.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from forces.models import Force, Region
from forces.users import user_set_role
from recommendations.models import (
    PUBLIC_ID_SEQUENCE,
    ClosureProposal,
    Finding,
    InspectionReport,
    Status,
    Theme,
    TimelineEntry,
    TrackedItem,
)
from recommendations.selectors import today

# How seeded closure proposals were verified (every method but "other", which needs words).
VERIFIED_BY = [v for v in ClosureProposal.VerifiedBy.values if v != "other"]

REPORT_SERIES = [
    ("national", "PEEL: Police effectiveness {year} – A national overview", 44, (8, 14)),
    ("national", "PEEL: Police efficiency {year} – A national overview", 44, (6, 10)),
    ("national", "PEEL: Police legitimacy {year} – A national overview", 44, (5, 9)),
    ("thematic", "Thematic inspection of {topic} {year}", 0, (5, 10)),
    ("force", "PEEL: {force} {year}", 1, (3, 8)),
]
TOPICS = [
    "modern slavery",
    "domestic abuse",
    "child protection",
    "stalking and harassment",
    "serious and organised crime",
    "crime data integrity",
    "custody",
    "digital crime",
]
ACTIONS = [
    "map organised crime groups consistently",
    "record every report of violent crime",
    "review its approach to safeguarding vulnerable victims",
    "develop a demand model that includes hidden demand",
    "improve supervision of investigations",
    "publish its workforce plan",
    "make maximum use of regional organised crime unit capabilities",
    "train call handlers to identify vulnerability at first contact",
]
COMMENTS = [
    "Update from the force: a working group chaired by the ACC has met and an action plan "
    "is agreed. Evidence of progress will follow at the next quarterly review.",
    "I met the force's lead for this area. Training has reached most response officers; "
    "the remainder are booked before the end of the quarter.",
    "The force reports the new process is live. I have asked for audit results that show "
    "it is working as intended.",
    "Reality testing found the new arrangements embedded in two of three local policing "
    "areas. Further evidence requested.",
    "Chased the force for an update; the owner changed after a restructure.",
    "Insight activity this quarter found good progress; the ROCU now leads the process.",
]
OWNERS = [
    ("Lee Wharmby", "Supt", "Intelligence"),
    ("Kate Jones", "DCI", "Public protection"),
    ("Raj Patel", "Ch Supt", "Crime"),
    ("Sian Evans", "ACC", "Operations"),
    ("Tom Hughes", "Supt", "Contact management"),
]
FINAL_WEIGHTS = [
    (Status.AWAITING_REVIEW, 15),
    (Status.BEING_PROGRESSED, 45),
    (Status.COMPLETE, 32),
    (Status.NO_FURTHER_ACTION, 8),
]


@dataclass
class SeedResult:
    reports: int
    findings: int
    items: int
    entries: int
    proposals: int


class AlreadySeeded(Exception):
    pass


def _finals(rng: random.Random) -> str:
    return rng.choices([s for s, _ in FINAL_WEIGHTS], [w for _, w in FINAL_WEIGHTS])[0]


def _timeline(
    rng: random.Random, start: dt.date, final: str, until: dt.date
) -> list[tuple[dt.date, str, str | None, str]]:
    """(date, kind, status, text) in order, ending in `final`, never after `until`."""
    count = 1 if final == Status.AWAITING_REVIEW else min(20, 2 + int(rng.expovariate(1 / 5)))
    entries: list[tuple[dt.date, str, str | None, str]] = [
        (start, "status", Status.AWAITING_REVIEW, "")
    ]
    day = start
    for index in range(1, count):
        day = min(until, day + dt.timedelta(days=rng.randint(7, 200)))
        if index == 1:
            entries.append((day, "status", Status.BEING_PROGRESSED, ""))
        elif index == count - 1 and final in (Status.COMPLETE, Status.NO_FURTHER_ACTION):
            entries.append((day, "status", final, ""))
        else:
            entries.append((day, "comment", None, rng.choice(COMMENTS)))
    if final in (Status.COMPLETE, Status.NO_FURTHER_ACTION) and entries[-1][2] != final:
        entries.append((day, "status", final, ""))
    return entries


def _copy_entries(rows: list[tuple]) -> None:
    columns = [
        "item_id",
        "date",
        "position",
        "kind",
        "status_id",
        "text",
        "author_id",
        "author_name",
        "created_at",
        "event",
        "visibility",
    ]
    if connection.vendor != "postgresql":
        TimelineEntry.objects.bulk_create(
            [TimelineEntry(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=5000
        )
        return
    _copy("recommendations_timelineentry", columns, rows)


ITEM_COLUMNS = [
    "finding_id",
    "force_id",
    "status_id",
    "last_entry_on",
    "owner_name",
    "owner_rank",
    "owner_department",
    "target_date",
    "first_target_date",
    "liaison_lead_id",
    "portal_id",
]
DERIVED = [
    "status_order",
    "force_name",
    "report_title",
    "finding_kind",
    "finding_number",
]


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Rows into a table with COPY on PostgreSQL (one statement, so the counts table's
    trigger runs once), or in batches of INSERTs elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608  # nosec B608  # our own names
                rows,
            )
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def _new_ids(table: str, count: int) -> list[int]:
    """`count` ids from the table's own identity sequence (so later inserts never collide
    with them); on SQLite, the numbers after the highest."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [i for (i,) in cursor.fetchall()]
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608  # nosec B608  # our own name
        first = int(cursor.fetchone()[0]) + 1
        return list(range(first, first + count))


# From this many items, the big tables' secondary indexes are dropped before the COPY and
# built again after it (in the same transaction): building an index by sorting is many
# times faster than adding a million rows to it one by one. Unique indexes stay.
REBUILD_INDEXES_FROM = 50_000
BIG_TABLES = (
    "recommendations_trackeditem",
    "recommendations_historicaltrackeditem",
    "recommendations_timelineentry",
)


def _drop_secondary_indexes(tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' indexes that back no constraint and are not unique; their
    definitions, to build them again (`_build_indexes`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(tables)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {name}")  # a name PostgreSQL gave us
    return [definition for _name, definition in found]


def _build_indexes(definitions: list[str]) -> None:
    if not definitions:
        return
    with connection.cursor() as cursor:
        # The deferred foreign-key checks of the rows written so far, now: an index is
        # not built over a table with checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextlib.contextmanager
def _public_id_trigger_off() -> Iterator[None]:
    """The items' public-ID trigger (recommendations.TrackedItem's `item_public_id`) off
    while the seeder writes items, then the sequence moved past every public ID once, as
    the trigger would have row by row. Every seeded item already has its ID. The trigger
    runs pgtrigger's ignore check, a subtransaction a row, and with the transaction's
    deferred foreign-key checks pending each subtransaction's end grew slower than the
    last: a million items did not finish in half an hour. Off (this transaction only:
    ALTER TABLE is transactional), each chunk takes the same time."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'recommendations_trackeditem'::regclass "
            "AND tgname LIKE 'pgtrigger_item_public_id_%'"
        )
        names = [name for (name,) in cursor.fetchall()]
        for name in names:
            cursor.execute(f'ALTER TABLE recommendations_trackeditem DISABLE TRIGGER "{name}"')
    yield
    with connection.cursor() as cursor:
        # The checks deferred so far, now: a table with trigger events pending cannot be
        # altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in names:
            cursor.execute(f'ALTER TABLE recommendations_trackeditem ENABLE TRIGGER "{name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            f"SELECT setval('{PUBLIC_ID_SEQUENCE}', GREATEST(max(portal_id), "  # noqa: S608  # nosec B608  # our own names
            f"(SELECT last_value FROM {PUBLIC_ID_SEQUENCE}))) FROM recommendations_trackeditem"
        )


KIND_LABELS = {str(kind): str(label) for kind, label in Finding.Kind.choices}


def _search_text(finding: Finding, timeline: list[tuple[dt.date, str, str | None, str]]) -> str:
    """The words of an item's search document, as services.search_refresh joins them:
    the finding's texts, its kind's label and number, then the entries' texts in order."""
    parts = [finding.cause_of_concern, finding.text, KIND_LABELS[finding.kind]]
    if finding.number is not None:
        parts.append(str(finding.number))
    texts = [text for _day, _kind, _status, text in timeline if text]
    if texts:
        parts.append(" ".join(texts))
    return " ".join(parts)


def _insert_items(rows: list[dict[str, Any]], now: dt.datetime) -> list[int]:
    """The items and one history row each ("Seeded", as bulk_create_with_history
    writes), with COPY in chunks: their ids, in the rows' order."""
    ids = _new_ids("recommendations_trackeditem", len(rows))
    stamp = now.isoformat()
    columns = ["id", *ITEM_COLUMNS, "version", "created_at", "updated_at", "target_date_moves"]
    history = [
        *columns,
        "history_date",
        "history_change_reason",
        "history_type",
    ]
    postgres = connection.vendor == "postgresql"
    if postgres:  # a staging table without indexes, whose rows go in with their search
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS seed_items "
                "(LIKE recommendations_trackeditem INCLUDING DEFAULTS, search_text text) "
                "ON COMMIT DROP"
            )
    for start in range(0, len(rows), 100_000):
        chunk = list(zip(ids[start : start + 100_000], rows[start : start + 100_000], strict=False))
        values = [
            (i, *(r[c] for c in ITEM_COLUMNS), 1, stamp, stamp, 0, *(r[c] for c in DERIVED))
            for i, r in chunk
        ]
        if not postgres:
            _copy("recommendations_trackeditem", columns + DERIVED, values)
        else:
            # One INSERT per chunk, each row written once with its search document (the
            # same document services.search_refresh builds from the same texts), not
            # written and then rewritten by an UPDATE of every row.
            _copy(
                "seed_items",
                [*columns, *DERIVED, "search_text"],
                [(*v, r["search_text"]) for v, (_, r) in zip(values, chunk, strict=True)],
            )
            names = ", ".join([*columns, *DERIVED])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO recommendations_trackeditem ({names}, search) "  # noqa: S608  # nosec B608  # our own names
                    f"SELECT {names}, to_tsvector('english'::regconfig, search_text) "
                    "FROM seed_items ORDER BY id"
                )
                cursor.execute("TRUNCATE seed_items")
        _copy(
            "recommendations_historicaltrackeditem",
            history,
            [
                (i, *(r[c] for c in ITEM_COLUMNS), 1, stamp, stamp, 0, stamp, "Seeded", "+")
                for i, r in chunk
            ],
        )
    return ids


@transaction.atomic
def seed(*, items: int, seed: int = 1, recipients: bool = False) -> SeedResult:
    """N items across the 44 police forces; with `recipients`, across every recipient
    (the national bodies and PCC offices too)."""
    rng = random.Random(seed)  # nosec B311  # repeatable benchmark data, not a secret
    prefix = f"seed{seed}-"
    if InspectionReport.objects.filter(slug__startswith=prefix).exists():
        raise AlreadySeeded(
            f"seed {seed} is already in this database: use another --seed or an empty database"
        )
    on = today()
    entry_count = 0
    everyone = Force.objects.all() if recipients else Force.objects.police()
    forces = list(everyone.order_by("id"))
    status_orders = dict(Status.objects.values_list("slug", "order"))
    leads: dict[int, Any] = {}  # user_set_role's users, by region id
    for region in Region.objects.prefetch_related("forces"):
        slugs = [f.slug for f in region.forces.all() if recipients or f.is_police_force]
        leads[region.pk], _ = user_set_role(
            username=f"{prefix}lead-{region.slug}",
            role="liaison-lead",
            force_slugs=slugs,
            email=f"{prefix}lead-{region.slug}@example.org",
        )
    themes = [
        Theme.objects.get_or_create(
            slug=f"{prefix}{t.replace(' ', '-')}",
            defaults={"name": f"{t.capitalize()} ({prefix[:-1]})"},
        )[0]
        for t in TOPICS
    ]

    # Reports and findings, until there are enough (finding, force) pairs.
    reports: list[InspectionReport] = []
    finding_specs: list[tuple[int, Finding]] = []
    pairs: list[tuple[int, Force]] = []
    year, series_index = 2014, 0
    while len(pairs) < items:
        kind, title, spread, (low, high) = REPORT_SERIES[series_index % len(REPORT_SERIES)]
        series_index += 1
        if series_index % len(REPORT_SERIES) == 0:
            year = 2014 + (year - 2013) % 12
        force = rng.choice(forces)
        report = InspectionReport(
            title=title.format(year=year, topic=rng.choice(TOPICS), force=force.name)
            + f" ({len(reports) + 1})",
            slug=f"{prefix}{len(reports) + 1}",
            kind=kind,
            published=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
            response_required=kind == InspectionReport.Kind.FORCE,  # PCC responses (s.55)
        )
        reports.append(report)
        for number in range(1, rng.randint(low, high) + 1):
            finding_kind = rng.choices(
                ["recommendation", "area-for-improvement", "cause-of-concern"], [6, 3, 1]
            )[0]
            action = rng.choice(ACTIONS)
            finding_specs.append(
                (
                    len(reports) - 1,
                    Finding(
                        kind=finding_kind,
                        number=None if finding_kind == "cause-of-concern" else number,
                        cause_of_concern=f"It is a cause of concern that forces do not {action}."
                        if finding_kind == "cause-of-concern"
                        else "",
                        text=f"The force should {action}: • review its plans; • report progress "
                        f"to the inspectorate.",
                    ),
                )
            )
            if spread == 44:
                chosen = forces
            elif spread == 1:
                chosen = [force]
            else:
                chosen = rng.sample(forces, rng.randint(8, 30))
            pairs += [(len(finding_specs) - 1, f) for f in chosen]
    pairs = pairs[:items]

    InspectionReport.objects.bulk_create(reports, batch_size=2000)
    for report_index, finding in finding_specs:
        finding.report = reports[report_index]
    findings = bulk_create_with_history(
        [f for _, f in finding_specs], Finding, batch_size=2000, default_change_reason="Seeded"
    )
    if connection.vendor == "postgresql":
        # The counts triggers join each chunk of new items to its findings. Planned on a
        # findings table never analysed (as good as empty), that join read every finding
        # for every item: a million items took over 25 minutes, each chunk slower than
        # the last. Analysed, it is a hash join.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE recommendations_finding")
            cursor.execute("ANALYZE recommendations_inspectionreport")

    # Items with their timelines, as plain rows (a million model instances would not fit
    # in memory), then items, their history rows and entries with COPY.
    item_rows: list[dict[str, Any]] = []
    timelines = []
    for finding_index, force in pairs:
        finding = findings[finding_index]
        published = reports[finding_specs[finding_index][0]].published
        final = _finals(rng)
        timeline = _timeline(rng, published, final, on)
        owner = (
            rng.choice(OWNERS)
            if final != Status.AWAITING_REVIEW and rng.random() < 0.7
            else ("", "", "")
        )
        target = None
        if final in (Status.AWAITING_REVIEW, Status.BEING_PROGRESSED) and rng.random() < 0.5:
            target = on + dt.timedelta(days=rng.randint(-120, 240))
        last_status = [e[2] for e in timeline if e[2] is not None][-1]  # status entries' statuses
        item_rows.append(
            {
                "finding_id": finding.pk,
                "force_id": force.pk,
                "status_id": last_status,
                "status_order": status_orders[last_status],
                "last_entry_on": timeline[-1][0],
                "force_name": force.name,  # the list's sort keys, as services.item_create
                "report_title": reports[finding_specs[finding_index][0]].title,
                "finding_kind": finding.kind,
                "finding_number": finding.number,
                "owner_name": owner[0],
                "owner_rank": owner[1],
                "owner_department": owner[2],
                "target_date": target,
                "first_target_date": target,  # as services.save_item keeps it
                "liaison_lead_id": leads[force.region_id].pk,
                "portal_id": rng.randint(1000, 99999999) if rng.random() < 0.3 else None,
                "search_text": _search_text(finding, timeline),
            }
        )
        timelines.append(timeline)
    # Portal IDs are unique per force, among this seed's items and those already stored.
    seen_ids: set[tuple[int, int | None]] = set(
        TrackedItem.objects.values_list("force_id", "portal_id").iterator(chunk_size=50_000)
    )
    for row in item_rows:
        if row["portal_id"] is not None:
            key = (row["force_id"], row["portal_id"])
            if key in seen_ids:
                row["portal_id"] = None
            seen_ids.add(key)
    # Every item has a public ID (recommendations 0015): the rest take the numbers above
    # every stored and seeded one, in order, so the same seed gives the same IDs (the
    # database's sequence would not roll back); its trigger moves the sequence past them.
    stored = TrackedItem.objects.aggregate(m=Max("portal_id"))["m"] or 0
    highest = max([stored, *(r["portal_id"] or 0 for r in item_rows)])
    for row in item_rows:
        if row["portal_id"] is None:
            highest += 1
            row["portal_id"] = highest
    now = dt.datetime.now(dt.UTC)
    rebuild = connection.vendor == "postgresql" and items >= REBUILD_INDEXES_FROM
    dropped = _drop_secondary_indexes(BIG_TABLES) if rebuild else []
    with _public_id_trigger_off():
        item_ids = _insert_items(item_rows, now)
    entry_rows = []
    for item_id, row, timeline in zip(item_ids, item_rows, timelines, strict=True):
        positions: dict[dt.date, int] = {}
        author = row["liaison_lead_id"]
        for day, kind, status, text in timeline:
            positions[day] = positions.get(day, 0) + 1
            entry_rows.append(
                (
                    item_id,
                    day.isoformat(),
                    positions[day],
                    kind,
                    status,
                    text,
                    author,
                    "",
                    now.isoformat(),
                    "status-changed" if kind == "status" else "comment",
                    # A lead's comments: about half written for the public.
                    "public" if kind == "status" or positions[day] % 2 else "internal",
                )
            )
        if len(entry_rows) >= 200_000:
            _copy_entries(entry_rows)
            entry_count += len(entry_rows)
            entry_rows = []
    _copy_entries(entry_rows)
    entry_count += len(entry_rows)
    _build_indexes(dropped)

    _copy(
        "recommendations_trackeditem_themes",
        ["trackeditem_id", "theme_id"],
        [(i, rng.choice(themes).pk) for i in item_ids if rng.random() < 0.4],
    )
    proposals = [
        ClosureProposal(
            item_id=i,
            proposed_by_id=row["liaison_lead_id"],
            reason="I consider that the force has met the requirement.",
            verified_by=rng.choice(VERIFIED_BY),
        )
        for i, row in zip(item_ids, item_rows, strict=True)
        if row["status_id"] == Status.BEING_PROGRESSED and rng.random() < 0.04
    ]
    bulk_create_with_history(
        proposals, ClosureProposal, batch_size=5000, default_change_reason="Seeded"
    )
    # The search documents went in with the items (_insert_items); SQLite has none.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "recommendations_trackeditem",
                "recommendations_timelineentry",
                "recommendations_finding",
                "recommendations_closureproposal",
            ):
                cursor.execute(f"ANALYZE {table}")
    return SeedResult(
        reports=len(reports),
        findings=len(findings),
        items=len(item_ids),
        entries=entry_count,
        proposals=len(proposals),
    )
