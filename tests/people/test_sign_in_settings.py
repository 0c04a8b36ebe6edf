"""Person sign-in's settings: production refuses an NHS login set up unsafely, with a hint."""

from __future__ import annotations

import pytest

from tests.core.test_settings_profiles import PRODUCTION, _run


@pytest.mark.parametrize(("issuer", "key"), [
    ("http://auth.sandpit.signin.nhs.uk", "present"),  # not https
    ("https://auth.sandpit.signin.nhs.uk", "missing"),  # no key file
])
def test_production_refuses_an_http_issuer_or_a_missing_key(tmp_path, issuer, key):
    key_file = tmp_path / "client.pem"
    if key == "present":
        key_file.write_text("-----BEGIN PRIVATE KEY-----\n")
    env = {**PRODUCTION, "TANDEM_VAR_DIR": str(tmp_path), "TANDEM_NHS_LOGIN_ISSUER": issuer,
           "TANDEM_NHS_LOGIN_CLIENT_ID": "tandem", "TANDEM_NHS_LOGIN_KEY": str(key_file)}
    result = _run(env, "check")
    assert result.returncode != 0
    assert "production needs an https issuer" in result.stderr


def test_a_person_session_longer_than_nhs_login_allows_is_refused(tmp_path):
    result = _run({"DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_VAR_DIR": str(tmp_path),
                   "TANDEM_PERSON_IDLE_MINUTES": "45"}, "check")
    assert result.returncode != 0
    assert "TANDEM_PERSON_IDLE_MINUTES may be at most 30" in result.stderr
