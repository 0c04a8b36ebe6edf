"""Views (workspace)."""

urlpatterns: list = []
