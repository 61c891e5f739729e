import sys

from django.core.management.base import BaseCommand, CommandError

from forces.users import GROUP_FOR_ROLE, UserSetupError, user_set_role


class Command(BaseCommand):
    help = "Create or update a user with a role and the force(s) or region they act for."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
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
            "--password-stdin",
            action="store_true",
            help=(
                "read the password from standard input; refused, with nothing written, "
                "unless it passes AUTH_PASSWORD_VALIDATORS (12 characters or more)"
            ),
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
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
            )
        except UserSetupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {user.username} as "
            f"{GROUP_FOR_ROLE[options['role']]}."
        )
