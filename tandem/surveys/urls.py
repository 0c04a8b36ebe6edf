"""Staff pages of surveys (tandem.surveys.views)."""

from .views import app_name, urlpatterns  # noqa: F401
