from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "tandem.careplans"
    label = "careplans"
    verbose_name = "Care plans: the care planning conversation and the written plan"
