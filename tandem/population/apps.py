from django.apps import AppConfig


class PopulationConfig(AppConfig):
    name = "tandem.population"
    label = "population"
    verbose_name = "Population analytics: the population rules over a de-identified extract"
