"""A person's check-in on their own link (tandem.checkins.public)."""

from .public import app_name, urlpatterns  # noqa: F401
