"""The production settings profile passes Django's deployment checks; bad settings fail helpfully."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tandem.settings",
    "TANDEM_PROFILE": "production",
    "SECRET_KEY": "k" * 20 + "Zq8-v2_Lr9" * 5,
    "ALLOWED_HOSTS": "tandem.example.org",
    "TANDEM_PUBLIC_URL": "https://tandem.example.org",
}


def test_production_profile_passes_check_deploy(tmp_path):
    result = _run({**PRODUCTION, "TANDEM_VAR_DIR": str(tmp_path)}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": "", "TANDEM_VAR_DIR": str(tmp_path)}
    result = _run(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_database_url_gives_a_hint(tmp_path):
    result = _run({"DJANGO_SETTINGS_MODULE": "tandem.settings", "DATABASE_URL": "mysqlx://nowhere",
                   "TANDEM_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_profile_refuses_a_reply_link_address_that_is_not_https(tmp_path):
    result = _run({**PRODUCTION, "TANDEM_VAR_DIR": str(tmp_path), "TANDEM_PUBLIC_URL": "http://tandem.example.org"},
                  "check")
    assert result.returncode != 0
    assert "TANDEM_PUBLIC_URL must be the https:// address" in result.stderr
