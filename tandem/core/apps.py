from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"

    def ready(self) -> None:
        # Before any URLs are read: every id in a path is <id:...>, read by the parsing layer.
        from .converters import IdConverter

        register_converter(IdConverter, "id")

        from django.core.signals import request_finished

        from .db_statistics import optimize_after_request

        request_finished.connect(optimize_after_request, dispatch_uid="tandem.core.db_statistics")
