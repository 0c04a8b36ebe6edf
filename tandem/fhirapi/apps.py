from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    name = "tandem.fhirapi"
    label = "fhirapi"
    verbose_name = "FHIR API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - registers the daily task
