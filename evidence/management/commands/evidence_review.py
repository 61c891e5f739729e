"""python manage.py evidence_review [--due-before DATE]: the evidence files whose
retention review date is on or before DATE (default today), one line each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evidence.selectors import due_for_review, file_size
from recommendations.selectors import today


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--due-before must be a date like 2031-03-31, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "List evidence files due for retention review (on or before --due-before, default today)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--due-before",
            type=str,
            default=None,
            help="ISO date (YYYY-MM-DD); files due on or before it. Default: today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options["due_before"]
        before = iso_date(raw) if raw else today()
        files = due_for_review(before)
        for f in files:
            item = f.item
            self.stdout.write(
                f"{f.retain_until.isoformat() if f.retain_until else '-'}\t"
                f"item {item.pk} ({item.force.name}, {item.finding.reference})\t"
                f"evidence {f.pk}\t{f.name}\t{f.marking}\t{file_size(f.size)}\tsha256 {f.sha256}"
            )
        plural = "" if len(files) == 1 else "s"
        self.stdout.write(f"{len(files)} file{plural} due for review on or before {before}")
