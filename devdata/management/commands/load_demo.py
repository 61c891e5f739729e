from typing import Any

from django.core.management.base import BaseCommand

from devdata.demo import DEMO_PASSWORD, USERS, load_demo
from devdata.demo_national import USERS as NATIONAL_USERS


class Command(BaseCommand):
    help = "Fill the database with demo reports, items and one user per role (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_demo()
        self.stdout.write(
            f"Demo data: {counts['imported']} sample pages imported, "
            f"{counts['created']} items created."
        )
        self.stdout.write(f"Demo users (password: {DEMO_PASSWORD}):")
        for username, role, forces, region, _ in [*USERS, *NATIONAL_USERS]:
            scope = ", ".join(forces) or region or "all forces"
            self.stdout.write(f"  {username:14} {role:16} {scope}")
