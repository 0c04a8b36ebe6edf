from django.apps import AppConfig


class RecallConfig(AppConfig):
    name = "tandem.recall"
    label = "recall"
    verbose_name = "Recall: one combined annual review per person"

    def ready(self) -> None:
        from . import stored

        stored.connect()
