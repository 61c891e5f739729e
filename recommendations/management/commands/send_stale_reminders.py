from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from recommendations import reminders


class Command(BaseCommand):
    help = (
        "Remind people of stale items and escalate long-stale ones, synchronously (the same "
        "sweep the Celery beat schedule runs daily). Safe to run twice: nothing is sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say exactly what the next real run would send; send and record nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            # The plan the real sweep claims, with the digests' own counting rule: the
            # lines below are the ones the next real run prints.
            per_person = reminders.plan_sweep().per_person
        else:
            _result, people = reminders.sweep()
            names = dict(
                get_user_model().objects.filter(pk__in=people).values_list("pk", "username")
            )
            per_person = {}
            for user_id in people:
                sent = reminders.send_digest(user_id)
                if any(sent):
                    per_person[names[user_id]] = sent
        for name in sorted(per_person):
            items, escalations = per_person[name]
            self.stdout.write(f"{name}: {items} items, {escalations} escalations")
        digests = len(per_person)
        prefix = "Dry run, nothing sent: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{digests} digest{'s' if digests != 1 else ''}, "
            f"{sum(a + b for a, b in per_person.values())} reminders in all."
        )
