from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "tandem.registers"
    label = "registers"
    verbose_name = "Registers, risk tiers and cohorts"

    def ready(self):
        # The patient record's pages show register facts; this app provides them (ADR 1).
        from tandem.patients import facts

        from .facts import for_patients, for_record

        facts.provide(for_patients, for_record=for_record)
