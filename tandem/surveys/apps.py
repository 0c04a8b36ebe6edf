from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "tandem.surveys"
    label = "surveys"
    verbose_name = "Surveys (NoMAD for staff; PACIC and GP Patient Survey questions for people)"

    def ready(self) -> None:
        from tandem.core import home as home_page

        from . import home, tasks  # noqa: F401 (tasks registers the daily work)

        home_page.provide_with(home.survey_waiting)  # "A survey is waiting" for staff who have not answered
