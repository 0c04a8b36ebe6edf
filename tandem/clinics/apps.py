from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "tandem.clinics"
    label = "clinics"
    verbose_name = "Clinic sessions: who holds tests appointments and conversations, when"
