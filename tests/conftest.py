"""Shared fixtures: a small universe of two practices built through the actions."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tandem.core import clock

TODAY = dt.date(2026, 6, 15)


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing for test users; real deployments keep Django's default (PBKDF2).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    expected = os.environ.get("TANDEM_EXPECT_DB")
    if expected:
        engine = settings.DATABASES["default"]["ENGINE"]
        if not engine.endswith(expected):
            raise pytest.UsageError(f"TANDEM_EXPECT_DB={expected} but DATABASE_URL selects {engine}")


@pytest.fixture(autouse=True)
def _pinned_clock():
    with clock.frozen(TODAY):
        yield


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences",
                      "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, django_db_blocker):
    """Each test starts with no rate-limit counts, whatever earlier tests (or a live server) counted.

    The counts live in the shared cache table, which neither a rolled-back test transaction (a live
    server's requests commit) nor a flush (the table is not a model's) empties. Only tests that use
    the database pay for it: one DELETE, outside the test's own transaction."""
    if _DATABASE_FIXTURES.isdisjoint(request.fixturenames) and not request.node.get_closest_marker("django_db"):
        yield
        return
    from django.core.cache import caches

    request.getfixturevalue("django_db_setup")  # the test database, never the configured one
    with django_db_blocker.unblock():
        caches["shared"].clear()
    yield


@pytest.fixture(autouse=True)
def _stored_facts_follow_the_record(request, django_db_blocker):
    """After every test that wrote to the database, what the recall board keeps copied from people's
    records (tandem.recall.stored) still matches the records: a write path that changes a person's
    registers, registration, name, adjustments or spirometry without telling it fails here."""
    marker = request.node.get_closest_marker("django_db")
    if _DATABASE_FIXTURES.isdisjoint(request.fixturenames) and marker is None:
        yield
        return
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")  # checked before it is undone
    yield
    from django.db import connection

    from tandem.recall import stored

    with django_db_blocker.unblock():
        if connection.connection is None or not connection.is_usable():
            return  # the test closed the connection (a command run as from the shell): nothing to read
        differences = stored.drift()
    assert not differences, f"stored recall facts differ from the record (review, field, stored, record): {differences[:10]}"


@pytest.fixture
def universe(db):
    return build_universe()


def build_universe():
    """Riverside (a nurse, an administrator, Margaret) and Hillview (a nurse, Brian), made through the actions."""
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.patients import actions as patient_actions

    class U:
        pass

    u = U()
    u.practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    u.other_practice = core_actions.create_practice(ods_code="B82002", name="Hillview Medical Centre", by=None)
    u.nurse = core_actions.add_staff(practice=u.practice, username="nurse", role=Role.NURSE, by=None,
                                     password="correct-horse-battery", first_name="Nia", last_name="Evans")
    u.admin = core_actions.add_staff(practice=u.practice, username="admin", role=Role.ADMIN, by=None,
                                     password="correct-horse-battery")
    u.other_nurse = core_actions.add_staff(practice=u.other_practice, username="othernurse", role=Role.NURSE,
                                           by=None, password="correct-horse-battery")
    u.patient = patient_actions.register_patient(
        practice=u.practice, by=None, nhs_number="999 000 0018", given_name="Margaret", family_name="Okafor",
        date_of_birth=dt.date(1948, 3, 2), sex="female", postcode="LS1 4AB",
    )
    u.foreign_patient = patient_actions.register_patient(
        practice=u.other_practice, by=None, nhs_number="9990000026", given_name="Brian", family_name="Hollis",
        date_of_birth=dt.date(1955, 9, 12), sex="male",
    )
    return u


@pytest.fixture
def nurse_client(client, universe):
    client.force_login(universe.nurse)
    return client
