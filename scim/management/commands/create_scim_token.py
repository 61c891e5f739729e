"""python manage.py create_scim_token NAME (--force SLUG | --inspectorate)

Makes the SCIM token an organisation's identity provider uses at /scim/v2/ and prints it
alone on the last line: it is shown only this once (only its SHA-256 is stored).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scim import services


class Command(BaseCommand):
    help = (
        "Make a SCIM token for one force (--force SLUG) or the inspectorate "
        "(--inspectorate) and print it alone on the last line (shown only once; only its "
        "hash is stored). It manages only that organisation's people."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="what the token is for, e.g. “Gloucestershire Entra ID”")
        organisation = parser.add_mutually_exclusive_group(required=True)
        organisation.add_argument(
            "--force", metavar="SLUG", help="the force whose people it manages"
        )
        organisation.add_argument(
            "--inspectorate", action="store_true", help="for the inspectorate's people"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, secret = services.token_create(
                name=options["name"],
                force_slug=None if options["inspectorate"] else options["force"],
            )
        except services.ScimError as error:
            raise CommandError(error.detail) from None
        organisation = services.Organisation.of(token)
        self.stdout.write(
            f"SCIM token “{token.name}” for {organisation.label}: it manages only "
            f"{organisation.label}'s people. It is shown only this once:"
        )
        self.stdout.write(secret)
