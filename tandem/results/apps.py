from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "tandem.results"
    label = "results"
    verbose_name = "Results: the review's tests recorded at the point of care"
