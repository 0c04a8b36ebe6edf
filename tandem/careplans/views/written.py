"""Views (written)."""

urlpatterns: list = []
