import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from forces.models import Scope

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def add_user(*args, stdin=""):
    out = io.StringIO()
    sys_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("add_user", *args, stdout=out)
    finally:
        sys.stdin = sys_stdin
    return out.getvalue()


def test_creates_and_updates_a_user_with_role_and_scope():
    out = add_user(
        "sam",
        "--role",
        "liaison-lead",
        "--force",
        "gloucestershire",
        "--force",
        "devon-and-cornwall",
        "--email",
        "sam@example.org",
        "--password-stdin",
        stdin="a-long-pass-phrase\n",
    )
    assert "Created sam as Force liaison lead" in out
    user = get_user_model().objects.get(username="sam")
    assert user.check_password("a-long-pass-phrase")
    assert set(user.scope.forces.values_list("slug", flat=True)) == {
        "gloucestershire",
        "devon-and-cornwall",
    }
    assert list(user.groups.values_list("name", flat=True)) == ["Force liaison lead"]
    out = add_user("sam", "--role", "chief-of-staff", "--region", "south-west")
    assert "Updated sam as Regional chief of staff" in out
    user.refresh_from_db()
    assert user.scope.region.slug == "south-west" and not user.scope.forces.exists()
    assert list(user.groups.values_list("name", flat=True)) == ["Regional chief of staff"]
    add_user("boss", "--role", "admin")
    boss = get_user_model().objects.get(username="boss")
    assert boss.is_staff and boss.is_superuser and not boss.has_usable_password()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--role", "sheriff"], "unknown role 'sheriff'"),
        (["--role", "liaison-officer", "--force", "atlantis"], "unknown force: atlantis"),
        (["--role", "chief-of-staff", "--region", "narnia"], "unknown region: narnia"),
        (["--role", "liaison-officer"], "a liaison officer needs exactly one --force"),
        (
            ["--role", "liaison-officer", "--force", "gloucestershire", "--force", "dorset"],
            "a liaison officer needs exactly one --force",
        ),
        (
            ["--role", "liaison-lead", "--force", "dorset", "--region", "south-west"],
            "acts for forces, not a --region",
        ),
        (["--role", "chief-of-staff", "--force", "dorset"], "needs one --region and no --force"),
        (["--role", "inspector", "--force", "dorset"], "sees every force"),
    ],
)
def test_bad_role_or_scope_is_a_clear_error_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        add_user("pat", *args)
    assert not get_user_model().objects.filter(username="pat").exists()
    assert not Scope.objects.exists()


def test_exit_code_is_1_from_the_shell(tmp_path):
    import os

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tracker.settings.dev",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "add_user",
            "pat",
            "--role",
            "liaison-officer",
            "--force",
            "atlantis",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "unknown force: atlantis" in result.stderr


@pytest.mark.parametrize(
    "password,message",
    [
        ("short-pass1", "at least 12 characters"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
        ("pat.jones.example", "too similar"),
    ],
)
def test_a_weak_password_is_refused_and_nothing_is_written(password, message):
    with pytest.raises(CommandError, match=f"password refused: .*{message}"):
        add_user(
            "pat",
            "--role",
            "inspector",
            "--email",
            "pat.jones@example.org",
            "--password-stdin",
            stdin=f"{password}\n",
        )
    assert not get_user_model().objects.filter(username="pat").exists()
    assert not Scope.objects.exists()


def test_a_weak_password_leaves_an_existing_user_as_they_were():
    add_user("pat", "--role", "inspector", "--password-stdin", stdin="a-long-pass-phrase\n")
    with pytest.raises(CommandError, match="at least 12 characters"):
        add_user("pat", "--role", "admin", "--password-stdin", stdin="short-pass1\n")
    pat = get_user_model().objects.get(username="pat")
    assert pat.check_password("a-long-pass-phrase") and not pat.is_superuser
    assert list(pat.groups.values_list("name", flat=True)) == ["Inspector"]


def test_a_short_password_exits_1_from_the_shell_with_the_reason_on_stderr(tmp_path):
    import os

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tracker.settings.dev",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "add_user", "pat", "--role", "inspector", "--password-stdin"],
        cwd=ROOT,
        env=env,
        input="elevenchars\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr and result.stdout == ""
    check = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.contrib.auth.models import User; print(User.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == "0", check.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args,listed",
    [
        (["--role", "liaison-officer", "--force", "atlantis"], ["gloucestershire", "dorset"]),
        (["--role", "chief-of-staff", "--region", "narnia"], ["south-west", "north-east"]),
    ],
)
def test_an_unknown_force_or_region_lists_the_valid_ones(args, listed):
    with pytest.raises(CommandError) as refused:
        call_command("add_user", "sam", *args)
    for slug in listed:
        assert slug in str(refused.value)
