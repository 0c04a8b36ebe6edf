"""tandem group_lead GROUP_CODE USERNAME [--end]

Make a member of staff a lead of a primary care network or an ICB (they see its practices side by side
on Learn, counts only), or end it. The user must exist already (added to a practice, or by an
administrator); a lead needs no role in any one practice."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.core import actions
from tandem.core.models import OrganisationGroup, User


class Command(BaseCommand):
    help = "Make someone a lead of a primary care network or ICB (or end it)."

    def add_arguments(self, parser):
        parser.add_argument("group", help="the group's code, e.g. U12345")
        parser.add_argument("username")
        parser.add_argument("--end", action="store_true", help="end their lead role instead")

    def handle(self, *args, group: str, username: str, end: bool, **options):
        found = OrganisationGroup.objects.filter(code=group.strip()[:12]).first()
        if found is None:
            raise CommandError(f"There is no group with the code {group[:12]!r}.")
        user = User.objects.filter(username=username.strip()[:150]).first()
        if user is None:
            raise CommandError(f"There is no user called {username[:150]!r}.")
        if end:
            ended = actions.end_group_lead(user=user, group=found, by=None)
            self.stdout.write(f"{user.username} no longer leads {found.name}." if ended
                              else f"{user.username} was not leading {found.name}.")
            return
        actions.make_group_lead(user=user, group=found, by=None)
        self.stdout.write(f"{user.username} now leads {found.name}: /learn/groups/")
