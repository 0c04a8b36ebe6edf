from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "tandem.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Each app's tasks.py registers its tasks with @task(...); importing them here means the
        # worker, and enqueue's check that a kind exists, see every task of every installed app.
        autodiscover_modules("tasks")
        from tandem.core import health

        from .health import worker

        health.register("worker", worker)  # /healthz says whether jobs are being run
