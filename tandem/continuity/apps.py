from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "tandem.continuity"
    label = "continuity"
    verbose_name = "Continuity of care: how often people see the same clinician"
