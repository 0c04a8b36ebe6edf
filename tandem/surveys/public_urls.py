"""A person's survey on their own link (tandem.surveys.public)."""

from .public import app_name, urlpatterns  # noqa: F401
