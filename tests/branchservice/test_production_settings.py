"""The production settings: refuse to start without the essentials, and pass check --deploy.

Each case runs manage.py in a fresh process, as production would, with only the environment
given here."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "branchservice.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-test-0123456789abcdef",
    "DATABASE_URL": "postgres://branchservice@127.0.0.1:1/branchservice",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "ALLOWED_HOSTS": "service.bank.example",
}


def manage(*args, **env):
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    environment = {k: v for k, v in environment.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_it_refuses_to_start_without(missing):
    result = manage("check", **{**GOOD, missing: None})
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_it_refuses_sqlite():
    result = manage("check", **{**GOOD, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_the_proxy_header_comes_from_the_environment():
    result = manage(
        "shell", "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.TRUSTED_PROXIES)",
        **GOOD, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        SECURE_SSL_REDIRECT="false", TRUSTED_PROXIES="10.0.0.0/8,192.0.2.7",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "('HTTP_X_FORWARDED_PROTO', 'https') False ['10.0.0.0/8', '192.0.2.7']" in result.stdout
