from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.models import TimelineEntry, TrackedItem
from recommendations.portal_format import importing


class Command(BaseCommand):
    help = "Write one monitoring-portal page per item, named <force-slug>-<portal-id or id>.txt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, metavar="DIR")
        parser.add_argument("--force", metavar="SLUG")
        parser.add_argument("--report", metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db.models import Prefetch

        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        items = TrackedItem.objects.select_related("force", "finding").prefetch_related(
            Prefetch("timeline", queryset=TimelineEntry.objects.order_by("date", "position"))
        )
        if options["force"]:
            items = items.filter(force__slug=options["force"])
        if options["report"]:
            items = items.filter(finding__report__slug=options["report"])
        count = 0
        for item in items.order_by("id").iterator(chunk_size=500):
            (out / importing.export_filename(item)).write_text(
                importing.item_page_text(item), encoding="utf-8"
            )
            count += 1
        if not count:
            raise CommandError("no items match: nothing exported")
        self.stdout.write(f"Exported {count} page(s) to {out}.")
