from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from recommendations.policy import COMMAND_LINE
from recommendations.portal_format import importing


class Command(BaseCommand):
    help = (
        "Import monitoring-portal pages. Every problem is reported as FILE:LINE: message and "
        "nothing is written for any file when there is one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--force", metavar="SLUG", help="for pages with no address line")
        parser.add_argument("--report", metavar="SLUG", help="the report the items belong to")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}:1: no such file")
            files.append((name, path.read_bytes()))
        with transaction.atomic():
            # The shell is an administrator migrating history: every force, and closed
            # history too, under the same rules as every other door.
            plan = importing.plan(
                files,
                by=COMMAND_LINE,
                force_slug=options["force"],
                report_slug=options["report"],
            )
            for fp in plan.files:
                for warning in fp.warnings:
                    self.stderr.write(f"warning: {warning}")
            if not plan.ok:
                for problem in plan.problems:
                    self.stderr.write(problem)
                raise CommandError(f"{len(plan.problems)} problem(s): nothing was imported")
            if not options["dry_run"]:
                importing.apply(plan, by=COMMAND_LINE)
        counts: dict[str, int] = {}
        for fp in plan.files:
            self.stdout.write(f"{fp.name}: {fp.outcome}")
            key = fp.outcome.split(":")[0]
            counts[key] = counts.get(key, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{len(plan.files)} file(s): {summary}.")
