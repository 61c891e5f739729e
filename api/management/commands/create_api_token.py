"""python manage.py create_api_token USERNAME --name NAME --days N

Makes a personal API token for USERNAME (an administrator at the shell, for a person or
a service account) and prints it alone on the last line: it is shown only this once.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api import services
from recommendations import errors, policy


class Command(BaseCommand):
    help = (
        "Make a personal API token for USERNAME, lasting --days (at most 90), and print "
        "it alone on the last line (it is shown only once; only its hash is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument(
            "--days", type=int, default=services.max_days(), help="days until it expires (1-90)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user called '{options['username']}'")
        try:
            token, secret = services.token_create(
                user=user, name=options["name"], days=options["days"], by=policy.COMMAND_LINE
            )
        except errors.DomainError as error:
            raise CommandError(
                f"--{error.field}: {error.message}" if error.field else error.message
            ) from None
        self.stdout.write(
            f"Token “{token.name}” for {user.get_username()}, expires "
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only this once:"
        )
        self.stdout.write(secret)
