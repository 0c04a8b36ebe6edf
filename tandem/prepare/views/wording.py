"""Views (wording)."""

urlpatterns: list = []
