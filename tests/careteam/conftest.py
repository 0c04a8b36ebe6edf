"""The people, organisations and professionals the care team's tests share (tests/careteam/referral_helpers.py)."""

from tests.careteam.referral_helpers import world  # noqa: F401 - a fixture
