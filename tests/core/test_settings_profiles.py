"""The production settings profile passes Django's deployment checks; bad settings fail helpfully."""

from __future__ import annotations

import os
import re
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


DEMO = {"DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_PROFILE": "demo"}
SHOW = ("from django.conf import settings as s; "
        "print(s.DEBUG, s.SECRET_KEY, ','.join(s.ALLOWED_HOSTS), s.STORAGES['staticfiles']['BACKEND'], sep='|')")


def test_demo_profile_is_served_without_debug_with_a_secret_key_of_its_own(tmp_path):
    first = _run({**DEMO, "TANDEM_VAR_DIR": str(tmp_path / "a")}, "shell", "--no-imports", "-c", SHOW)
    assert first.returncode == 0, first.stderr
    debug, key, hosts, storage = first.stdout.strip().split("|")
    assert debug == "False"
    assert hosts == "127.0.0.1,localhost,[::1]"
    assert storage == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert len(key) >= 50 and "insecure" not in key
    again = _run({**DEMO, "TANDEM_VAR_DIR": str(tmp_path / "a")}, "shell", "--no-imports", "-c", SHOW)
    assert again.stdout.split("|")[1] == key  # kept, so sign-ins survive a restart
    elsewhere = _run({**DEMO, "TANDEM_VAR_DIR": str(tmp_path / "b")}, "shell", "--no-imports", "-c", SHOW)
    assert elsewhere.stdout.split("|")[1] != key  # never one published key for every demo


def test_demo_profile_differs_from_production_only_in_what_plain_http_on_this_machine_cannot_have(tmp_path):
    result = _run({**DEMO, "TANDEM_VAR_DIR": str(tmp_path)}, "check", "--deploy")
    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    # HSTS, the https redirect, and secure-only session and CSRF cookies.
    assert warnings == {"W004", "W008", "W012", "W016"}, result.stdout + result.stderr


def test_a_gzip_level_out_of_range_gives_a_hint(tmp_path):
    for level in ("0", "10", "fast"):
        result = _run({"DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_GZIP_LEVEL": level,
                       "TANDEM_VAR_DIR": str(tmp_path)}, "check")
        assert result.returncode != 0 and "TANDEM_GZIP_LEVEL" in result.stderr, level
