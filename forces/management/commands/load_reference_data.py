from django.core.management.base import BaseCommand
from django.db import transaction

from forces.reference import load_reference_data


class Command(BaseCommand):
    help = "Create or update regions, forces and statuses from fixtures/reference.json."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            changed = load_reference_data()
        if changed:
            rows = "row" if changed == 1 else "rows"
            self.stdout.write(f"Reference data loaded: {changed} {rows} created or changed.")
        else:
            self.stdout.write("Reference data already up to date.")
