"""Views (staff)."""

urlpatterns: list = []
