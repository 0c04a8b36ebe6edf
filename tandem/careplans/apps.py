from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "tandem.careplans"
    label = "careplans"
    verbose_name = "Care plans: the care planning conversation and the written plan"

    def ready(self) -> None:
        from tandem.core import home as home_page

        from . import home

        home_page.provide_with(home.my_tasks)  # tasks for them and their role on the home page
