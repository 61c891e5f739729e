"""docker-compose.yml: the portal is reachable only through the Caddy reverse proxy, which
terminates TLS and sets the forwarded headers the portal is told to trust, and the
portal's health check is a request the production settings accept."""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
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
    assert set(SERVICES) >= {"db", "redis", "redis-cache", "web", "worker", "beat", "proxy"}
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert sorted(p.split(":")[-1] for p in SERVICES["proxy"]["ports"]) == ["443", "80"]
    assert SERVICES["web"]["expose"] == ["8000"]
    assert "--bind 0.0.0.0:8000" in " ".join(SERVICES["web"]["command"])


def test_every_long_running_service_has_a_health_check():
    for name in ("db", "redis", "redis-cache", "web", "proxy"):
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


def redis_options(service: str) -> dict[str, str]:
    """The `--name value` options of a Redis service's redis-server command."""
    command = SERVICES[service]["command"]
    assert command[0] == "redis-server"
    return {
        command[i][2:]: command[i + 1]
        for i in range(1, len(command) - 1)
        if command[i].startswith("--")
    }


def test_the_cache_the_throttles_and_the_broker_have_their_own_redis_policies():
    """Issue 23: the public cache filled the one Redis, and then every throttle write
    failed. Memory policy is per server: the cache has a server of its own that evicts;
    the broker and the throttles share one that never does, in separate databases."""
    cache, store = redis_options("redis-cache"), redis_options("redis")
    assert cache["maxmemory-policy"] == "allkeys-lru" and cache["maxmemory"]
    assert store["maxmemory-policy"] == "noeviction" and store["maxmemory"]
    environment = SERVICES["web"]["environment"]
    broker = urllib.parse.urlsplit(environment["REDIS_URL"])
    throttles = urllib.parse.urlsplit(environment["REDIS_THROTTLE_URL"])
    public = urllib.parse.urlsplit(environment["REDIS_CACHE_URL"])
    assert broker.hostname == throttles.hostname == "redis"
    assert broker.path != throttles.path  # databases of their own
    assert public.hostname == "redis-cache"
    for service in ("web", "worker", "beat"):
        assert SERVICES[service]["environment"] == environment  # one anchor for all
        assert SERVICES[service]["depends_on"]["redis-cache"]["condition"] == "service_healthy"
    for name in ("REDIS_URL", "REDIS_THROTTLE_URL", "REDIS_CACHE_URL"):
        assert name in env_example(), f"{name} is not documented in .env.example"


def test_the_settings_put_each_cache_on_its_own_redis():
    """The settings read from compose's environment: the public cache on redis-cache,
    the counters on redis's database 1, the broker on database 0. Without REDIS_CACHE_URL
    beside REDIS_URL nothing is cached, rather than pages filling the broker's Redis."""
    environment = SERVICES["web"]["environment"]
    found = read_settings(
        {name: environment[name] for name in ("REDIS_URL", "REDIS_THROTTLE_URL", "REDIS_CACHE_URL")}
    )
    assert found["public"] == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://redis-cache:6379/0",
    ]
    assert found["ratelimit"] == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://redis:6379/1",
    ]
    assert found["broker"] == "redis://redis:6379/0"
    only_broker = read_settings({"REDIS_URL": "redis://redis:6379/0"})
    assert only_broker["public"][0] == "django.core.cache.backends.dummy.DummyCache"
    assert only_broker["ratelimit"][1] == "redis://redis:6379/0"
    demo = read_settings({})
    assert (
        demo["public"][0] == demo["ratelimit"][0] == "django.core.cache.backends.locmem.LocMemCache"
    )


READ_CACHES = """
import json
from django.conf import settings
caches = {name: [c["BACKEND"], c.get("LOCATION")] for name, c in settings.CACHES.items()}
print(json.dumps({**caches, "broker": settings.CELERY_BROKER_URL}))
"""


def read_settings(redis_environment: dict[str, str]) -> dict[str, object]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("REDIS") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        redis_environment,
        DJANGO_SETTINGS_MODULE="tracker.settings.base",
        SECRET_KEY="compose-test-only",
    )
    result = subprocess.run(
        [sys.executable, "-c", READ_CACHES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
