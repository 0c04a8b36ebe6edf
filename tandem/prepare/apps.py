from django.apps import AppConfig


class PrepareConfig(AppConfig):
    name = "tandem.prepare"
    label = "prepare"
    verbose_name = "Prepare: results-and-prompts packs and agendas"
