"""Views (agenda)."""

urlpatterns: list = []
