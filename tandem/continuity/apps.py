from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "tandem.continuity"
    label = "continuity"
    verbose_name = "Continuity of care: how often people see the same clinician"

    def ready(self):
        from tandem.core import home, person_panels

        from . import home as home_block
        from . import person

        person_panels.provide_with(person.panel)
        home.provide_with(home_block.my_people)
