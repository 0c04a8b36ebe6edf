from django.apps import AppConfig


class CareTeamConfig(AppConfig):
    name = "tandem.careteam"
    label = "careteam"
    verbose_name = "The wider care team: other providers, their part in the plan, and referrals to them"

    def ready(self) -> None:
        from tandem.careplans import hooks as plan_hooks

        from . import actions, presenters, queries

        # the named clinician's task to review an addition links to where it is reviewed
        plan_hooks.task_link_with(actions.REVIEW_PREFIX, presenters.review_link)
        # the plan's FHIR document names the care team outside the practice too
        plan_hooks.outside_team_with(queries.outside_team)
