"""The skeleton: settings, reference data, migrations, deployment files."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from forces.models import Force, Region
from forces.reference import load_reference_data
from recommendations.models import Status

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_runs_on_postgresql_in_ci():
    if os.environ.get("CI"):
        assert connection.vendor == "postgresql"
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db
def test_reference_data_has_every_force_in_a_region():
    # 92 recipients: the 44 police forces, 5 national bodies and 43 PCC offices
    assert Force.objects.police().count() == 44
    assert Force.objects.filter(kind="national-body").count() == 5
    assert Force.objects.filter(kind="pcc-office", police_force__kind="force").count() == 43
    assert Force.objects.count() == 92
    assert set(
        Force.objects.filter(kind="national-body").values_list("region__slug", flat=True)
    ) == {"national"}
    assert Force.objects.get(slug="gloucestershire-pcc").region.slug == "south-west"
    assert not Force.objects.filter(region__isnull=True).exists()
    assert Region.objects.count() == 11
    expected = {
        "gloucestershire": "south-west",
        "devon-and-cornwall": "south-west",
        "avon-and-somerset": "south-west",
        "west-midlands": "west-midlands-region",
        "metropolitan": "london",
        "british-transport-police": "national",
        "dyfed-powys": "wales",
    }
    for slug, region in expected.items():
        assert Force.objects.get(slug=slug).region.slug == region
    assert "D&C" in Force.objects.get(slug="devon-and-cornwall").short_names
    assert set(Status.objects.filter(is_open=True).values_list("slug", flat=True)) == {
        "awaiting-review",
        "being-progressed",
    }
    assert set(Status.objects.filter(is_open=False).values_list("slug", flat=True)) == {
        "complete",
        "no-further-action-needed",
    }


@pytest.mark.django_db
def test_reference_data_loading_is_idempotent():
    before = list(Force.objects.values_list("id", "name", "slug", "region_id", "short_names"))
    history_before = Force.history.count()
    assert load_reference_data() == 0
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert out.getvalue().strip() == "Reference data already up to date."  # not "0 rows"
    assert (
        list(Force.objects.values_list("id", "name", "slug", "region_id", "short_names")) == before
    )
    assert Force.history.count() == history_before


@pytest.mark.django_db
def test_migrations_are_all_applied_to_the_empty_test_database():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_migrate_and_demo_loader_work_on_sqlite(tmp_path):
    """`make run`'s path: a fresh SQLite database, migrate, load_demo twice."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tracker.settings.dev",
    }
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    first = subprocess.run(
        [*run, "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert "3 sample pages imported" in first
    assert "officer.glos" in first and "demo-password-1" in first
    second = subprocess.run(
        [*run, "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert "0 sample pages imported, 0 items created" in second


def test_docker_compose_services_name_real_entry_points():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "web", "worker", "beat"}
    for name in ("db", "redis", "web"):
        assert services[name].get("healthcheck"), f"{name} has no health check"
    assert "db-data" in compose["volumes"]
    web = " ".join(services["web"]["command"])
    assert "gunicorn tracker.wsgi:application" in web
    assert (ROOT / "tracker" / "wsgi.py").exists()
    from tracker.wsgi import application

    assert callable(application)
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "tracker"]
        from tracker.celery import app

        assert app.main == "tracker"
    assert "manage.py migrate" in web and (ROOT / "manage.py").exists()


def test_no_downloaded_assets_are_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0 or not shutil.which("git"):
        pytest.skip("not a git checkout")
    files = tracked.stdout.split()
    assert not [f for f in files if f.startswith(("node_modules/", "static/build/"))]
    assert not [f for f in files if f.endswith((".woff", ".woff2"))]
