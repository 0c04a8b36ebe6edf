from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "tandem.team"
    label = "team"
    verbose_name = "Team: the practice's staff, their roles and who does each step of the cycle"
