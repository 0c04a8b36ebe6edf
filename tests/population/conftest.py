"""Fixtures for the population engines: `population_engine` gives a fresh engine of each kind this leg runs.

The suite runs twice (Makefile): the SQLite leg (no DATABASE_URL) runs SQLite, DuckDB and Spark; the PostgreSQL
leg runs SQLite and PostgreSQL, in the Django test database, so Spark's start is paid once. Spark tests share one
xdist worker (`xdist_group("spark")`, with `--dist loadgroup`) and so one SparkSession."""

from __future__ import annotations

import pytest

from tandem.population import engines

SPARK = (pytest.mark.spark, pytest.mark.xdist_group("spark"))


def _postgresql_leg() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


# pytest-django creates the test database only for tests marked as using it; the SQLite leg skips PostgreSQL
# and has no need of one.
POSTGRESQL = (pytest.mark.postgres, *((pytest.mark.django_db,) if _postgresql_leg() else ()))


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"), pytest.param("duckdb", id="duckdb"),
                        pytest.param("spark", id="spark", marks=SPARK),
                        pytest.param("postgresql", id="postgresql", marks=POSTGRESQL)])
def population_engine(request):
    """A fresh engine with nothing loaded, closed after the test."""
    name = request.param
    if name == "sqlite":
        with engines.engine("sqlite") as engine:
            yield engine
    elif name in ("duckdb", "spark"):
        if _postgresql_leg():
            pytest.skip(f"{name} runs in the SQLite leg only")
        with engines.engine(name, **({"threads": 1} if name == "duckdb" else {"cores": 2})) as engine:
            yield engine
    else:
        if not _postgresql_leg():
            pytest.skip("PostgreSQL runs in the PostgreSQL leg only")
        request.getfixturevalue("django_db_setup")  # the test database, never the configured one
        blocker = request.getfixturevalue("django_db_blocker")
        with blocker.unblock(), engines.engine("postgresql", url=_test_database_conninfo()) as engine:
            yield engine


def _test_database_conninfo() -> str:
    """A libpq connection string for Django's test database (its settings name it once it is set up)."""
    from django.db import connection
    from psycopg.conninfo import make_conninfo

    settings = connection.settings_dict
    parts = {"dbname": settings["NAME"], "user": settings.get("USER"), "password": settings.get("PASSWORD"),
             "host": settings.get("HOST"), "port": str(settings["PORT"]) if settings.get("PORT") else None}
    return make_conninfo(**{k: v for k, v in parts.items() if v})


def pytest_sessionfinish(session):
    engines.stop_spark()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep `--dist loadgroup` grouping on pytest 9.2, whose structured node ids no longer take pytest-xdist
    3.8's `@group` suffix (pytest-dev/pytest-xdist#1386, fix proposed in #1388): add the suffix where xdist
    could not. Does nothing once xdist adds it itself, or outside a loadgroup worker."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # an older pytest, where xdist's own suffix works
        return
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid.rpartition("]")[2] and isinstance(getattr(item, "_id", None), NodeId):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")
