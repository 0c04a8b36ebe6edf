"""`tandem import-fhir FILE... [--practice ODS]`: the same report, and a failing exit status on rejection."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tandem import cli
from tandem.core.models import AuditEvent
from tandem.patients.models import Patient

from .conftest import FIXTURES, load

pytestmark = pytest.mark.django_db


def test_import_prints_the_report(universe):
    out = io.StringIO()
    call_command("import_fhir", str(FIXTURES / "transaction_multimorbid.json"), "--practice", "a81001",
                 "--user", "admin", stdout=out)
    text = out.getvalue()
    assert "transaction_multimorbid.json: imported (Bundle (transaction), 25 entries)" in text
    assert "5 conditions: 5 new" in text
    assert "Skipped 1 Condition (not coded in SNOMED CT)" in text
    assert "Imported 1 file into A81001." in text
    assert Patient.objects.filter(practice=universe.practice, nhs_number="9990000034").exists()
    assert AuditEvent.objects.filter(what="fhir.bundle", user=universe.admin).exists()


def test_a_rejected_file_fails_the_command_and_names_the_problem(universe, tmp_path):
    bundle = load("transaction_multimorbid.json")
    bundle["entry"][0]["resource"]["identifier"][0]["value"] = "9990000035"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files rejected") as failure:
        call_command("import_fhir", str(bad), str(FIXTURES / "batch_update.json"), "--practice", "A81001",
                     stdout=out)
    assert failure.value.returncode == 1
    text = out.getvalue()
    assert "bad.json: REJECTED - nothing from this file was stored" in text
    assert "Entry 1 (Patient) [urn:uuid:6b1c5e0a-3f2d-4b8e-9a41-1d2c3e4f5a01]: this Patient has an NHS number " \
           "that is not valid" in text
    assert "batch_update.json: imported" in text
    assert not Patient.objects.filter(nhs_number="9990000034").exists()


def test_the_tandem_command_exits_non_zero_when_a_file_is_rejected(universe, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SystemExit) as exit_status:
        cli.main(["tandem", "import-fhir", str(bad), "--practice", "A81001"])
    assert exit_status.value.code == 1
    assert "is not valid JSON" in capsys.readouterr().out


def test_the_practice_must_be_named_when_there_are_several(universe):
    with pytest.raises(CommandError, match="--practice"):
        call_command("import_fhir", str(FIXTURES / "batch_update.json"))
    with pytest.raises(CommandError, match="No practice has the ODS code Z99999"):
        call_command("import_fhir", str(FIXTURES / "batch_update.json"), "--practice", "Z99999")
    with pytest.raises(CommandError, match="Not found"):
        call_command("import_fhir", "missing.json", "--practice", "A81001")
