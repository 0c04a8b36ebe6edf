from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"

    def ready(self) -> None:
        # Before any URLs are read: every id in a path is <id:...>, read by the parsing layer.
        from .converters import IdConverter

        register_converter(IdConverter, "id")
