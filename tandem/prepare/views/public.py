"""Views (public)."""

urlpatterns: list = []
