import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forces.users import GROUP_FOR_ROLE, UserSetupError, user_set_role


class Command(BaseCommand):
    help = "Create or update a user with a role and the force(s) or region they act for."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(GROUP_FOR_ROLE))
        parser.add_argument(
            "--force",
            action="append",
            dest="forces",
            default=[],
            metavar="SLUG",
            help="a force slug; repeat for several",
        )
        parser.add_argument("--region", metavar="SLUG")
        parser.add_argument("--email")
        parser.add_argument("--name", help="full name, e.g. 'Sam Patel'")
        parser.add_argument(
            "--language",
            choices=["en", "cy"],
            default=None,
            help=(
                "the language of the person's e-mails: en (English, the default for a new "
                "person) or cy (Welsh); left as it is when not given"
            ),
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=(
                "read the password from standard input; refused, with nothing written, "
                "unless it passes AUTH_PASSWORD_VALIDATORS (12 characters or more)"
            ),
        )
        parser.add_argument(
            "--totp",
            action="store_true",
            help=(
                "give the person a new authenticator-app device (two-factor sign-in) and "
                "print its provisioning address (otpauth://...) on the last line"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("--password-stdin: no password on standard input")
        try:
            user, created = user_set_role(
                username=options["username"],
                role=options["role"],
                force_slugs=options["forces"],
                region_slug=options["region"],
                email=options["email"],
                password=password,
                full_name=options["name"],
                language=options["language"],
            )
        except UserSetupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {user.username} as "
            f"{GROUP_FOR_ROLE[options['role']]}."
        )
        if options["totp"]:
            from tracker.two_factor import totp_for_new_user

            self.stdout.write(
                "Two-factor sign-in: load this address into an authenticator app "
                "(it is shown once):"
            )
            self.stdout.write(totp_for_new_user(user))
