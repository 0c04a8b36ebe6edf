"""tandem analyse: an extract in, results and the Learn pages' summary tables out, with a progress bar; every
mistake a clear one-line error that writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from tandem.core.dialects import Dialect
from tandem.population import rules
from tandem.population.synth import generate

AS_OF = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    path = tmp_path_factory.mktemp("population") / "extract"
    generate(path, patients=2_400, practice_size=800, seed=3, today=AS_OF)
    return path


def analyse(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("analyse", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_results_and_summary_tables_are_written_with_progress(extract, tmp_path):
    results = tmp_path / "results"
    out, err = analyse(str(extract), "--engine", "duckdb", "--out", str(results), "--as-of", "2026-06-15")
    for st in rules.statements(Dialect("duckdb"), as_of=AS_OF, year=2026):
        assert (results / f"{st.name}.parquet").exists(), st.name
    members = pq.read_table(results / "register_member.parquet")
    assert members.num_rows > 0 and set(members.column_names) == {"practice", "person", "register", "since"}
    summary = (results / "summary.md").read_text()
    assert "## Registers" in summary and "## Risk tiers" in summary
    assert "Care planning funnel, 2026/27" in summary and "## Outcomes" in summary
    assert "fewer than 5" in summary  # small counts hidden, as the Learn pages hide them
    assert "8/8 done" in err and "1/8 register_member" in err  # one progress line per step when not a terminal
    assert "register_member" in out and "rows" in out


@pytest.mark.parametrize("args, message", [
    (["--engine", "duckdb", "--as-of", "15/06/2026"], "--as-of must be a date written as YYYY-MM-DD"),
    (["--engine", "duckdb", "--as-of", "2026-02-30"], "--as-of must be a date written as YYYY-MM-DD"),
    (["--engine", "duckdb", "--year", "twenty"], "--year must be a whole number from 2000 to 2100"),
    (["--engine", "duckdb", "--year", "99999999999999999999"], "--year must be a whole number from 2000 to 2100"),
    (["--engine", "duckdb", "--cores", "0"], "--cores must be a whole number from 1 to 1024"),
    (["--engine", "spark", "--memory", "lots"], "--memory must be a size like 4g or 512m"),
])
def test_bad_options_are_refused_clearly(extract, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        analyse(str(extract), "--out", str(tmp_path / "results"), *args)
    assert not (tmp_path / "results").exists()


def test_a_folder_that_is_not_an_extract_is_refused(tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(CommandError, match="is not a population extract: it has no patient, condition"):
        analyse(str(tmp_path / "notes"), "--engine", "duckdb", "--out", str(tmp_path / "results"))
    with pytest.raises(CommandError, match="is not a folder"):
        analyse(str(tmp_path / "missing"), "--engine", "duckdb", "--out", str(tmp_path / "results"))
    assert not (tmp_path / "results").exists()


def test_results_never_overwrite_a_folder_in_use(extract, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "mine.txt").write_text("keep me")
    with pytest.raises(CommandError, match="already exists and is not empty"):
        analyse(str(extract), "--engine", "duckdb", "--out", str(results))
    assert [p.name for p in results.iterdir()] == ["mine.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no half-written folder beside it
