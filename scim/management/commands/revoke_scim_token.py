"""python manage.py revoke_scim_token NAME

Revokes an organisation's SCIM token at once (a leaked token, a provider replaced):
every later request with it is 401. Revoking twice is harmless.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scim import services


class Command(BaseCommand):
    help = "Revoke the SCIM token called NAME at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = services.token_revoke(name=options["name"])
        except services.ScimError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"SCIM token “{token.name}” revoked.")
