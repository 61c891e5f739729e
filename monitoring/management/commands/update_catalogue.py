"""`python manage.py update_catalogue [--language cy]`: merge every string to translate
(templates and Python) into locale/<language>/LC_MESSAGES/django.po, keeping the
translations (docs/translating.md). Lists the strings still to translate."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from monitoring.catalogue import update


class Command(BaseCommand):
    help = "Merge the strings to translate into the catalogue (locale/<language>/django.po)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", default="cy", help="the catalogue's language")

    def handle(self, *args: Any, **options: Any) -> None:
        new, dropped, untranslated = update(options["language"])
        for message in untranslated:
            self.stdout.write(f"untranslated: {message.places[0]}: {message.msgid!r}")
        self.stdout.write(f"{new} new, {dropped} no longer used, {len(untranslated)} to translate")
