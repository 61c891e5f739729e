"""docker-compose.yml: the portal is reachable only through the Caddy reverse proxy, which
terminates TLS and sets the forwarded headers the portal is told to trust, and the
portal's health check is a request the production settings accept."""

import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CADDYFILE = ROOT / "deploy" / "Caddyfile"


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def caddyfile() -> str:
    return "\n".join(
        line.split("#")[0] for line in CADDYFILE.read_text().splitlines()
    )  # without comments


def test_only_the_proxy_is_published():
    assert set(SERVICES) >= {"db", "redis", "web", "worker", "beat", "proxy"}
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert sorted(p.split(":")[-1] for p in SERVICES["proxy"]["ports"]) == ["443", "80"]
    assert SERVICES["web"]["expose"] == ["8000"]
    assert "--bind 0.0.0.0:8000" in " ".join(SERVICES["web"]["command"])


def test_every_long_running_service_has_a_health_check():
    for name in ("db", "redis", "web", "proxy"):
        assert SERVICES[name].get("healthcheck"), f"{name} has no health check"
    assert SERVICES["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_is_caddy_with_the_projects_caddyfile():
    proxy = SERVICES["proxy"]
    assert re.fullmatch(r"caddy:\d[\w.-]*", proxy["image"])
    mounts = {v.split(":")[1]: v.split(":")[0] for v in proxy["volumes"]}
    assert mounts["/etc/caddy/Caddyfile"] == "./deploy/Caddyfile" and CADDYFILE.exists()
    assert "caddy-data" in mounts.values() and "caddy-data" in COMPOSE["volumes"]
    text = caddyfile()
    assert "{$SITE_ADDRESS:localhost}" in text and "tls internal" in text
    assert "reverse_proxy web:8000" in text
    assert "header_up X-Forwarded-Proto {scheme}" in text
    assert "trusted_proxies" not in text  # headers sent by clients are replaced, not kept
    assert not re.search(r"^\s*log\b", text, re.M)  # reset links carry tokens in paths


def test_the_portal_trusts_exactly_the_one_proxy():
    environment = SERVICES["web"]["environment"]
    assert environment["TRUSTED_PROXY_COUNT"] == "1"
    assert environment["PROXY_SETS_X_FORWARDED_PROTO"] == "true"
    assert environment["DJANGO_SETTINGS_MODULE"] == "tracker.settings.production"
    for name in ["TRUSTED_PROXY_COUNT", "PROXY_SETS_X_FORWARDED_PROTO", "SITE_ADDRESS"]:
        assert name in env_example(), f"{name} is not documented in .env.example"
    assert env_example()["TRUSTED_PROXY_COUNT"] == "0"  # without compose: no proxy assumed


@pytest.mark.django_db
def test_the_web_health_check_is_a_request_production_accepts(settings, monkeypatch):
    """Runs the health check's own code with the .env.example environment, catches the
    request it makes and serves it with the production host and HTTPS settings."""
    from tracker.settings import production

    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    example = env_example()
    sent = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, **kw: sent.append(request))
    monkeypatch.setenv("ALLOWED_HOSTS", example["ALLOWED_HOSTS"])
    exec(test[3], {})  # noqa: S102  (the project's own health check command)
    (request,) = sent
    assert request.full_url == "http://127.0.0.1:8000/healthz"
    settings.ALLOWED_HOSTS = example["ALLOWED_HOSTS"].split(",")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = production.SECURE_REDIRECT_EXEMPT
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    headers = {k.lower(): v for k, v in request.header_items()}
    response = Client().get("/healthz", headers=headers)
    assert response.status_code == 200, response
    assert Client().get("/healthz", headers={"host": "evil.example"}).status_code == 400
    # Anything else over plain HTTP is still sent to HTTPS.
    assert Client().get("/accessibility/", headers=headers).status_code == 301


@pytest.mark.skipif(not shutil.which("caddy"), reason="caddy is not installed here")
def test_caddy_accepts_the_caddyfile():
    result = subprocess.run(
        ["caddy", "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
