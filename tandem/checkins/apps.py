from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "tandem.checkins"
    label = "checkins"
    verbose_name = "Check-ins between visits"

    def ready(self) -> None:
        from tandem.careplans import hooks as plan_hooks
        from tandem.core import home as home_page

        from . import actions, home, tasks  # noqa: F401 (tasks registers the daily work)

        plan_hooks.on_saved(actions.plan_saved)  # a saved plan's check-ins are scheduled with it
        plan_hooks.progress_with(actions.goal_progress)  # goal progress on the plan's pages
        home_page.provide_with(home.my_checkins)  # calls to make and flags raised, on the home page
