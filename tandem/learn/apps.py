from django.apps import AppConfig


class LearnConfig(AppConfig):
    name = "tandem.learn"
    label = "learn"
    verbose_name = "Learn: is care planning happening, taking root and changing anything"
