import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.providers import ProviderSetupError, ProviderSpec, provider_add


class Command(BaseCommand):
    help = (
        "Add an organisation's OpenID Connect provider (a force's or the inspectorate's), "
        "reading its client secret from standard input. Any error: exit code 1, nothing "
        "written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--issuer", required=True, help="the issuer URL (https)")
        parser.add_argument("--client-id", required=True)
        parser.add_argument(
            "--domain",
            action="append",
            dest="domains",
            default=[],
            required=True,
            metavar="D",
            help="an e-mail domain the organisation owns; repeat for several",
        )
        organisation = parser.add_mutually_exclusive_group(required=True)
        organisation.add_argument(
            "--force", action="append", dest="forces", default=[], metavar="SLUG"
        )
        organisation.add_argument("--inspectorate", action="store_true")
        parser.add_argument("--roles-claim", default="roles")
        parser.add_argument(
            "--external-id-claim",
            default="oid",
            help=(
                "the ID token claim equal to the SCIM externalId the organisation "
                "provisions (default oid: Entra's objectId); '' never links a first "
                "sign-in to a SCIM-provisioned person"
            ),
        )
        parser.add_argument(
            "--password-sign-in",
            action="store_true",
            help="keep local password sign-in for these domains (break-glass; off by default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret = sys.stdin.readline().rstrip("\r\n")
        spec = ProviderSpec(
            name=options["name"],
            issuer=options["issuer"],
            client_id=options["client_id"],
            client_secret=secret,
            domains=options["domains"],
            force_slugs=options["forces"],
            inspectorate=options["inspectorate"],
            roles_claim=options["roles_claim"],
            external_id_claim=options["external_id_claim"],
            password_sign_in=options["password_sign_in"],
        )
        try:
            provider = provider_add(spec)
        except (ProviderSetupError, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Added {provider.name} for {provider.organisation}: "
            f"{', '.join(d.domain for d in provider.domains.all())}."
        )
