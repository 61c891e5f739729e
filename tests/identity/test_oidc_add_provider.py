"""`add_identity_provider`: the secret from standard input, encrypted at rest; every
error is exit code 1 with nothing written."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from identity.models import IdentityDomain, IdentityProvider
from tests.identity.conftest_oidc import add_provider

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(monkeypatch, *args: str, secret: str = "s3cret-value\n") -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret))
    out = io.StringIO()
    call_command("add_identity_provider", *args, stdout=out)
    return out.getvalue()


def nothing_written() -> bool:
    return not IdentityProvider.objects.exists() and not IdentityDomain.objects.exists()


def test_a_provider_is_added_with_its_secret_encrypted(oidc_providers):
    real = oidc_providers["force"]
    provider = add_provider(
        real,
        "Gloucestershire",
        domain="GLOS.police.example",
        organisation=["--force", "gloucestershire"],
    )
    assert provider.client_secret == real.client_secret
    assert real.client_secret not in provider.client_secret_encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_identityprovider")
        assert real.client_secret not in repr(cursor.fetchall())
    assert [d.domain for d in provider.domains.all()] == ["glos.police.example"]
    assert provider.token_endpoint.startswith(real.issuer)
    assert provider.jwks["keys"][0]["kid"] == "force-key-1"
    assert not provider.password_sign_in and provider.roles_claim == "roles"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--force", "atlantis"], "unknown force: atlantis"),
        (["--inspectorate", "--domain", "bad domain"], "not an e-mail domain"),
        (["--inspectorate", "--roles-claim", "ro les"], "--roles-claim is not a claim name"),
    ],
)
def test_bad_arguments_write_nothing(monkeypatch, oidc_providers, args, message):
    real = oidc_providers["force"]
    base = ["X", "--issuer", real.issuer, "--client-id", "c", "--domain", "x.example"]
    with pytest.raises(CommandError, match=message):
        run(monkeypatch, *base, *args)
    assert nothing_written()


def test_an_unreachable_discovery_document_writes_nothing(monkeypatch):
    issuer = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(CommandError, match="discovery document could not be used"):
        run(
            monkeypatch,
            "X",
            "--issuer",
            issuer,
            "--client-id",
            "c",
            "--domain",
            "x.example",
            "--inspectorate",
        )
    assert nothing_written()


def test_an_issuer_that_is_not_https_is_refused_outside_development(
    monkeypatch, settings, oidc_providers
):
    settings.IDENTITY_ALLOW_HTTP_ISSUER = False
    real = oidc_providers["force"]
    with pytest.raises(CommandError, match="the issuer must use https"):
        run(
            monkeypatch,
            "X",
            "--issuer",
            real.issuer,
            "--client-id",
            "c",
            "--domain",
            "x.example",
            "--inspectorate",
        )
    assert nothing_written()


def test_a_discovery_document_for_another_issuer_is_refused(monkeypatch, oidc_providers):
    real = oidc_providers["force"]
    issuer = real.issuer.replace("127.0.0.1", "localhost")
    with pytest.raises(CommandError, match="names the issuer"):
        run(
            monkeypatch,
            "X",
            "--issuer",
            issuer,
            "--client-id",
            "c",
            "--domain",
            "x.example",
            "--inspectorate",
        )
    assert nothing_written()


def test_no_secret_and_a_domain_already_taken_write_nothing_more(monkeypatch, oidc_providers):
    real = oidc_providers["force"]
    args = ["--issuer", real.issuer, "--client-id", "c", "--domain", "x.example", "--inspectorate"]
    with pytest.raises(CommandError, match="no client secret"):
        run(monkeypatch, "X", *args, secret="")
    assert nothing_written()
    run(monkeypatch, "First", *args)
    other = oidc_providers["inspectorate"]
    with pytest.raises(CommandError, match="x.example already belongs to First"):
        run(
            monkeypatch,
            "Second",
            "--issuer",
            other.issuer,
            "--client-id",
            "c",
            "--domain",
            "x.example",
            "--inspectorate",
        )
    assert list(IdentityProvider.objects.values_list("name", flat=True)) == ["First"]
    assert IdentityDomain.objects.count() == 1


def test_a_force_and_the_inspectorate_at_once_is_refused(monkeypatch, oidc_providers):
    real = oidc_providers["force"]
    with pytest.raises(CommandError, match="not allowed with argument"):
        run(
            monkeypatch,
            "X",
            "--issuer",
            real.issuer,
            "--client-id",
            "c",
            "--domain",
            "x.example",
            "--force",
            "gloucestershire",
            "--inspectorate",
        )
    assert nothing_written()


def test_the_command_exits_1_on_an_error(oidc_providers):
    """As an administrator runs it: exit code 1 and the reason on standard error."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.test",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "add_identity_provider",
            "X",
            "--issuer",
            oidc_providers["force"].issuer,
            "--client-id",
            "c",
            "--domain",
            "x.example",
            "--force",
            "atlantis",
        ],
        input="s3cret\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "unknown force: atlantis" in result.stderr
