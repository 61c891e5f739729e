import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devdata.seeding import AlreadySeeded, seed


class Command(BaseCommand):
    help = "Create N realistic items across every force, report, type and status, in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--items", type=int, required=True, metavar="N")
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            metavar="S",
            help="the same seed gives the same data (default 1)",
        )
        parser.add_argument(
            "--recipients",
            action="store_true",
            help="seed the national bodies and PCC offices too, not only the 44 police forces",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["items"] < 1:
            raise CommandError("--items must be 1 or more")
        started = time.perf_counter()
        try:
            result = seed(
                items=options["items"], seed=options["seed"], recipients=options["recipients"]
            )
        except AlreadySeeded as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Seeded {result.items:,} items ({result.entries:,} timeline entries, "
            f"{result.findings:,} findings, {result.reports:,} reports, "
            f"{result.proposals:,} open proposals) in {time.perf_counter() - started:.1f}s."
        )
