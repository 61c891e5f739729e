"""`python manage.py compile_catalogue`: write the .mo files Django reads from the
catalogues (locale/*/LC_MESSAGES/django.po), in Python (no GNU gettext needed). `make
setup` runs it; the .mo files are not committed (docs/translating.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.catalogue import compile_catalogue


class Command(BaseCommand):
    help = "Compile the translation catalogues (locale/*/LC_MESSAGES/django.po) to .mo."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        for path in compile_catalogue():
            self.stdout.write(f"compiled {path}")
