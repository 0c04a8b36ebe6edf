"""Each population engine loads tables and the extract the same way, and each Dialect primitive gives the same
answer on every engine as Python does (tandem.patients.rules.age_on, datetime arithmetic)."""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tandem.patients.rules import age_on
from tandem.population import engines
from tandem.population.arrow import arrow_schema
from tandem.population.engines import normalise

D = dt.date

EVERY_TYPE = pa.table({
    "id": pa.array([1, 2, 3], pa.int64()),
    "practice": pa.array(["12345", "A81001", None], pa.string()),
    "small": pa.array([-3, None, 32767], pa.int16()),
    "medium": pa.array([None, 2_000_000_000, -1], pa.int32()),
    "big": pa.array([2**62, -(2**62), None], pa.int64()),
    "value": pa.array([1.25, None, -0.5], pa.float64()),
    "day": pa.array([D(2024, 2, 29), D(1900, 1, 1), None], pa.date32()),
    "flag": pa.array([True, False, None], pa.bool_()),
})

EVERY_TYPE_ROWS = [
    (1, "12345", -3, None, 2**62, 1.25, "2024-02-29", 1),
    (2, "A81001", None, 2_000_000_000, -(2**62), None, "1900-01-01", 0),
    (3, None, 32767, -1, None, -0.5, None, None),
]


def _normalised(rows):
    return [tuple(normalise(v) for v in row) for row in rows]


def test_tables_load_with_every_type_and_read_back_equal(population_engine):
    population_engine.load_tables({"every_type": EVERY_TYPE})
    rows = population_engine.rows("SELECT id, practice, small, medium, big, value, day, flag FROM every_type ORDER BY id")
    assert _normalised(rows) == EVERY_TYPE_ROWS
    assert type(rows[0][1]) is str  # an ODS code of digits stays text


def test_loading_a_table_again_replaces_it(population_engine):
    population_engine.load_tables({"every_type": EVERY_TYPE})
    population_engine.load_tables({"every_type": EVERY_TYPE.slice(0, 1)})
    assert population_engine.rows("SELECT COUNT(*) FROM every_type") == [(1,)]


# --- The extract -----------------------------------------------------------------------------------------------

def _write_extract(root):
    """patient in two practices (one with an ODS code of digits and a leading zero), an empty hospital_event."""
    patients = pa.table({
        "practice": ["12345", "01234", "A81001"],
        "person": pa.array([-9_000_000_000_000_000_000, 7, 8], pa.int64()),
        "birth_date": pa.array([D(1944, 2, 1), D(2000, 12, 1), D(1950, 7, 1)], pa.date32()),
        "sex": ["female", "male", "unknown"],
        "imd_decile": pa.array([1, None, 10], pa.int16()),
        "ethnicity": ["A", "", "Z"],
        "registered": [True, False, True],
        "has_carer": [False, True, False],
    }, schema=arrow_schema("patient"))
    ds.write_dataset(patients, root / "patient", format="parquet", partitioning=["practice"],
                     partitioning_flavor="hive")
    (root / "hospital_event").mkdir()


def test_extract_reads_each_table_with_practice_as_text(population_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(engines, "BATCH_ROWS", 2)  # SQLite and PostgreSQL copy it in more than one batch
    _write_extract(tmp_path)
    population_engine.load_extract(tmp_path, tables=["patient", "hospital_event"])
    rows = population_engine.rows("SELECT * FROM patient ORDER BY person")
    # the schema's columns in the schema's order (the partition column first), with their types
    assert _normalised(rows) == [
        ("12345", -9_000_000_000_000_000_000, "1944-02-01", "female", 1, "A", 1, 0),
        ("01234", 7, "2000-12-01", "male", None, "", 0, 1),
        ("A81001", 8, "1950-07-01", "unknown", 10, "Z", 1, 0),
    ]
    assert population_engine.rows("SELECT (SELECT person FROM patient WHERE practice = '12345'), "
                                  "(SELECT COUNT(*) FROM hospital_event)") == [(-9_000_000_000_000_000_000, 0)]


def test_extract_without_a_table_says_which(population_engine, tmp_path):
    _write_extract(tmp_path)
    with pytest.raises(FileNotFoundError, match="no 'condition' table"):
        population_engine.load_extract(tmp_path)


# --- Results to Parquet ----------------------------------------------------------------------------------------

def test_results_written_to_parquet_read_back_equal(population_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(engines, "BATCH_ROWS", 2)  # SQLite and PostgreSQL stream it in more than one batch
    population_engine.load_tables({"every_type": EVERY_TYPE})
    out = tmp_path / "result.parquet"
    assert population_engine.to_parquet(
        "SELECT id, practice, value, COUNT(*) AS n FROM every_type GROUP BY id, practice, value ORDER BY id", out) == 3
    assert pq.read_table(out).to_pylist() == [
        {"id": 1, "practice": "12345", "value": 1.25, "n": 1},
        {"id": 2, "practice": "A81001", "value": None, "n": 1},
        {"id": 3, "practice": None, "value": -0.5, "n": 1},
    ]
    assert population_engine.to_parquet("SELECT id FROM every_type WHERE id > 5", out) == 0  # replaced
    assert pq.read_table(out).num_rows == 0


# --- The Dialect's primitives: the same answers as Python's on every engine -------------------------------------

DAYS = [D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1), D(2023, 2, 28), D(2023, 12, 31), D(2024, 12, 31),
        D(2024, 1, 31), D(2100, 2, 28), D(2000, 2, 28), D(1999, 12, 31)]
SHIFTS = (1, -1, 28, 29, 30, 31, 365, -365, 366, -366, 1461, 0)

BIRTHS = [D(2000, 2, 29), D(1960, 2, 29), D(2024, 2, 29), D(1950, 3, 1), D(1950, 2, 28), D(2000, 6, 15),
          D(1999, 12, 31), D(1944, 1, 1)]
AGE_DAYS = (D(2025, 2, 28), D(2025, 3, 1), D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1), D(2026, 6, 15),
            D(2026, 6, 14), D(2025, 12, 31), D(2026, 1, 1))

PAIRS = [(D(2024, 3, 1), D(2024, 2, 28)), (D(2025, 3, 1), D(2024, 2, 29)), (D(2024, 1, 1), D(2023, 12, 31)),
         (D(2024, 2, 28), D(2024, 3, 1)), (D(2000, 3, 1), D(1900, 2, 28)), (D(2023, 3, 1), D(2023, 2, 28)),
         (D(2026, 6, 15), D(2026, 6, 15))]

DIVISIONS = [(7, 2), (6, 3), (0, 5), (1, 2), (10**12 + 7, 10), (5, 0), (1, 3), (2, 4)]

HALVES = [(2.5, 0), (-2.5, 0), (0.5, 0), (-0.5, 0), (1.5, 0), (0.125, 2), (-0.125, 2), (0.375, 2), (12.25, 1),
          (-12.25, 1), (2.675, 2), (7.0, 1), (99.95, 1)]


def _round_half_up(x: float, places: int) -> float:
    """Halves upwards (towards positive infinity): what the dialect's FLOOR(x * 10^p + 0.5) / 10^p means."""
    return math.floor(x * 10**places + 0.5) / 10**places


def _load_cases(engine):
    engine.load_tables({
        "days": pa.table({"d": pa.array(DAYS, pa.date32())}),
        "births": pa.table({"born": pa.array(BIRTHS, pa.date32())}),
        "pairs": pa.table({"later": pa.array([p[0] for p in PAIRS], pa.date32()),
                           "earlier": pa.array([p[1] for p in PAIRS], pa.date32())}),
        "divisions": pa.table({"n": pa.array([n for n, _ in DIVISIONS], pa.int64()),
                               "d": pa.array([d for _, d in DIVISIONS], pa.int32())}),
        "halves": pa.table({"x": pa.array([x for x, _ in HALVES], pa.float64()),
                            "places": pa.array([p for _, p in HALVES], pa.int16()),
                            "flag": pa.array([i % 3 == 0 for i in range(len(HALVES))], pa.bool_())}),
    })


def test_date_primitives_agree_with_python(population_engine):
    engine, sql = population_engine, population_engine.dialect
    _load_cases(engine)

    shifted = ", ".join(sql.add_days("d", n) for n in SHIFTS)
    assert _normalised(engine.rows(f"SELECT d, {shifted} FROM days ORDER BY d")) == [
        (day.isoformat(), *((day + dt.timedelta(days=n)).isoformat() for n in SHIFTS)) for day in sorted(DAYS)]

    ages = ", ".join(sql.age_on("born", day) for day in AGE_DAYS)
    assert _normalised(engine.rows(f"SELECT born, {ages} FROM births ORDER BY born")) == [
        (born.isoformat(), *(age_on(born, day) for day in AGE_DAYS)) for born in sorted(BIRTHS)]

    got = engine.rows(f"SELECT later, earlier, {sql.days_between('later', 'earlier')}, {sql.year('later')}, "
                      f"{sql.month_day('later')} FROM pairs ORDER BY later, earlier")
    assert _normalised(got) == [(later.isoformat(), earlier.isoformat(), (later - earlier).days, later.year,
                                 later.month * 100 + later.day) for later, earlier in sorted(PAIRS)]

    leap_day = sql.date(D(2024, 2, 29))
    assert _normalised(engine.rows(
        f"SELECT {leap_day}, {sql.days_between(sql.date(D(2025, 1, 1)), leap_day)}, "
        f"{sql.add_days(leap_day, 1)} FROM days WHERE d = {leap_day}")) == [("2024-02-29", 307, "2024-03-01")]


def test_arithmetic_primitives_agree_with_python(population_engine):
    engine, sql = population_engine, population_engine.dialect
    _load_cases(engine)

    got = engine.rows(f"SELECT n, d, {sql.int_div('n', 'd')}, {sql.ratio('n', 'd')} FROM divisions WHERE d <> 0 "
                      "ORDER BY n, d")
    expected = sorted((n, d, n // d, n / d) for n, d in DIVISIONS if d)
    assert _normalised(got) == expected
    assert all(type(normalise(row[2])) is int for row in got)  # whole numbers, not 3.0
    assert engine.rows(f"SELECT {sql.ratio('n', 'd')} FROM divisions WHERE d = 0") == [(None,)]

    rounded = ", ".join(sql.round_half_up("x", p) for p in (0, 1, 2))
    got = engine.rows(f"SELECT x, {rounded} FROM halves ORDER BY x")
    assert _normalised(got) == [(x, *(_round_half_up(x, p) for p in (0, 1, 2))) for x, _ in sorted(HALVES)]
    literal = engine.rows(f"SELECT {sql.round_half_up(sql.number(-2.5), 0)}, {sql.round_half_up(sql.number(0.125), 2)}, "
                          f"{sql.round_half_up(sql.integer(7), 1)} FROM halves WHERE x = {sql.number(2.5)}")
    assert _normalised(literal) == [(-2.0, 0.13, 7)]

    flags = engine.rows(f"SELECT SUM({sql.flag(sql.is_true('flag'))}), SUM({sql.flag('x > 0')}), "
                        f"SUM({sql.flag(f'{sql.true} = {sql.false}')}) FROM halves")
    assert _normalised(flags) == [(sum(i % 3 == 0 for i in range(len(HALVES))), sum(x > 0 for x, _ in HALVES), 0)]


def test_literal_rows_agree_with_python(population_engine):
    engine, sql = population_engine, population_engine.dialect
    rows = [(sql.integer(2), sql.text("E10"), sql.date(D(2024, 2, 29)), sql.number(0.5)),
            (sql.integer(1), sql.text("hba1c"), sql.date(D(1999, 12, 31)), sql.number(-2.0))]
    got = engine.rows(f"WITH {sql.values('v', ('n', 'code', 'day', 'x'), rows)} "
                      "SELECT n, code, day, x FROM v ORDER BY n")
    assert _normalised(got) == [(1, "hba1c", "1999-12-31", -2.0), (2, "E10", "2024-02-29", 0.5)]
    empty = engine.rows(f"WITH {sql.values('v', ('n', 'code'), [])} SELECT COUNT(*) FROM v")
    assert empty == [(0,)]


def test_spark_without_java_says_so(monkeypatch):
    monkeypatch.setattr(engines, "_spark", None)  # as before the first Spark engine of the process
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(RuntimeError, match="needs Java"):
        engines.engine("spark")


def test_results_compare_as_the_spec_tests_expect():
    from decimal import Decimal

    assert [normalise(v) for v in (D(2024, 2, 29), "2024-02-29", True, False, Decimal("3"), Decimal("2.5"), 4,
                                   0.25, None)] == ["2024-02-29", "2024-02-29", 1, 0, 3, 2.5, 4, 0.25, None]
    assert type(normalise(Decimal("3.000"))) is int
