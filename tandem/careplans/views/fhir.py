"""Views (fhir)."""

urlpatterns: list = []
