"""Set up the demo: a primary care network with a synthetic practice and named staff logins.

Safe to run again: an existing demo practice is left as it is (use --replace to rebuild it).
Refuses to run with TANDEM_PROFILE=production.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tandem.core import actions as core_actions
from tandem.core.db_statistics import refresh_statistics
from tandem.core.models import OrganisationGroup, Practice, User
from tandem.core.rules import ROLE_LABELS, Role

DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - a published password for a local synthetic demo only

PRACTICES = [
    # ODS-style codes in a range not used by real practices (Y9xxxx is unallocated)
    {"ods_code": "Y90001", "name": "Riverside Surgery", "address_line1": "1 Mill Lane", "town": "Leeds",
     "postcode": "LS1 4AB", "phone": "0113 496 0000"},
    {"ods_code": "Y90002", "name": "Hillview Medical Centre", "address_line1": "22 Park Road", "town": "Leeds",
     "postcode": "LS6 2QQ", "phone": "0113 496 0999"},
]

STAFF = [
    # username, first, last, role, practices (indexes into PRACTICES)
    ("nurse", "Nia", "Evans", Role.NURSE, [0]),
    ("gp", "Samir", "Patel", Role.GP, [0]),
    ("hca", "Grace", "Okoro", Role.HCA, [0]),
    ("pharmacist", "Tom", "Walsh", Role.PHARMACIST, [0]),
    ("manager", "Helen", "Brooks", Role.MANAGER, [0, 1]),
    ("admin", "Priya", "Shah", Role.ADMIN, [0]),
    ("hillnurse", "Amir", "Khan", Role.NURSE, [1]),
    ("hillgp", "Joanna", "Lee", Role.GP, [1]),
    ("hillhca", "Ben", "Carter", Role.HCA, [1]),
    ("hilladmin", "Rosa", "Diaz", Role.ADMIN, [1]),
]
# Who does what at each practice in its two years of care planning (tandem.demo.history).
TEAMS = [
    {"nurse": "nurse", "gp": "gp", "hca": "hca", "admin": "admin", "manager": "manager", "pharmacist": "pharmacist"},
    {"nurse": "hillnurse", "gp": "hillgp", "hca": "hillhca", "admin": "hilladmin", "manager": "manager"},
]


class Command(BaseCommand):
    help = "Create the demo organisation, practices, synthetic patients and staff logins."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=5000, help="patients in the main demo practice")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--replace", action="store_true", help="rebuild the synthetic patients")

    def handle(self, *args, patients: int, seed: int, replace: bool, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_setup creates published logins and refuses to run with TANDEM_PROFILE=production.")
        # The person running `make demo` reads this command's own lines; the structured log lines of
        # the steps it takes (each at INFO) are shown only with --verbosity 2 or more.
        quiet = options.get("verbosity", 1) < 2
        if quiet:
            logging.disable(logging.INFO)
        try:
            self._setup(patients=patients, seed=seed, replace=replace)
        finally:
            if quiet:
                logging.disable(logging.NOTSET)

    def _setup(self, *, patients: int, seed: int, replace: bool) -> None:
        with transaction.atomic():
            icb, _ = OrganisationGroup.objects.get_or_create(
                code="QY9", defaults={"name": "Example Integrated Care Board", "kind": OrganisationGroup.Kind.ICB})
            pcn, _ = OrganisationGroup.objects.get_or_create(
                code="U99999", defaults={"name": "Riverside Primary Care Network",
                                         "kind": OrganisationGroup.Kind.PCN, "parent": icb})
            practices = []
            for spec in PRACTICES:
                practice = Practice.objects.filter(ods_code=spec["ods_code"]).first()
                if practice is None:
                    practice = core_actions.create_practice(by=None, group=pcn, **spec)
                practices.append(practice)
            users = {}
            for username, first, last, role, where in STAFF:
                for index in where:
                    users[username] = core_actions.add_staff(
                        practice=practices[index], username=username, role=role, by=None,
                        password=DEMO_PASSWORD, first_name=first, last_name=last)
                users[username].set_password(DEMO_PASSWORD)
                users[username].save(update_fields=["password"])
            # The network's lead: no role in either practice; sees them side by side (counts only).
            lead, _ = User.objects.get_or_create(username="pcnlead", defaults={"first_name": "Ruth", "last_name": "Amadi"})
            lead.set_password(DEMO_PASSWORD)
            lead.save()
            core_actions.make_group_lead(user=lead, group=pcn, by=None)

        sizes = [patients, max(200, patients // 4)]
        for practice, size, practice_seed in zip(practices, sizes, (seed, seed + 1), strict=True):
            has_patients = practice.patients.exists()
            if has_patients and not replace:
                self.stdout.write(f"{practice.name}: already has patients; leaving them (use --replace to rebuild).")
                continue
            call_command("synth", patients=size, seed=practice_seed, practice=practice.ods_code,
                         replace=replace, stdout=self.stdout)

        from tandem.synth.load import assign_named_clinicians

        assign_named_clinicians(practice=practices[0], clinicians=[users["nurse"], users["gp"]])
        assign_named_clinicians(practice=practices[1], clinicians=[users["manager"]])
        from tandem.synth.load import link_clinicians

        # Who the demo's people saw: the synthetic records' first GP and nurse are the demo's own.
        link_clinicians(practice=practices[0], clinicians={"synth-gp-1": users["gp"], "synth-nurse-1": users["nurse"]})

        from tandem.recall.actions import plan_reviews
        from tandem.recall.actions.settings import SettingsChange, save_settings
        from tandem.recall.models import Review
        from tandem.registers.actions import refresh_practice

        for practice, size in zip(practices, sizes, strict=True):
            refresh_practice(practice=practice, by=None)
            # A practice's week: roughly 1 HCA session and 2 nurse sessions per 1,000 patients on a register.
            per_thousand = max(1, size // 1000)
            save_settings(practice=practice, by=users["manager"], change=SettingsChange(
                scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
                response_wait_days=14, hca_minutes=180 * per_thousand, nurse_minutes=300 * per_thousand,
                pharmacist_minutes=60 * per_thousand, gp_minutes=60 * per_thousand))
            self._history(practices.index(practice), practice, users)
            planned = plan_reviews(practice=practice, by=None)
            this_year = Review.objects.filter(practice=practice, review_year=planned.review_year).count()
            self.stdout.write(f"{practice.name}: registers and risk tiers worked out; {this_year:,} reviews planned "
                              "this review year.")
        self._clinics(practices[0], users, seed)
        self._sessions(practices[0], users)
        self._carer(practices[0])
        from tandem.demo import care_team

        self.stdout.write(care_team.set_up(practices[0], password=DEMO_PASSWORD))
        # Everything was written in bulk: planner statistics for every table before anyone signs in.
        refresh_statistics()

        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, first, last, role, where in STAFF:
            at = " and ".join(PRACTICES[i]["name"] for i in where)
            self.stdout.write(f"  {username:<11} {first} {last}, {ROLE_LABELS[role]} at {at}")
        self.stdout.write(f"  {'pcnlead':<11} Ruth Amadi, lead of Riverside Primary Care Network (both practices "
                          "side by side on Learn)")
        self.stdout.write(f"  {'matron':<11} Jo Marsh, community matron at Riverside Community Nursing, outside the "
                          "practice (sees only the people whose care team she is in)")
        self.stdout.write("People's own pages: /my/sign-in/, through the demo's NHS login, which lists who can sign "
                          "in (demo people with a plan, and Sarah Brooke, a carer whose invitation is in the demo "
                          "mailbox)")

    def _carer(self, practice):
        """The first demo person with a plan has given a carer access; her invitation waits in the outbox."""
        from tandem.core import clock
        from tandem.demo import nhs_login

        if nhs_login.carer_grant(practice, today=clock.today()):
            self.stdout.write(f"{practice.name}: a demo person has invited {nhs_login.CARER['given_name']} "
                              f"{nhs_login.CARER['family_name']} to help with their care online.")

    def _history(self, index, practice, users):
        """Two years of care planning, month by month through the actions (tandem.demo.history)."""
        from tandem.careplans.models import PlanVersion
        from tandem.core import clock
        from tandem.demo.careplans import printing_from, seed_services
        from tandem.demo.history import Story, care_planning_history

        if PlanVersion.objects.filter(practice=practice).exists():
            return
        today = clock.today()
        seed_services(practice=practice, by=users["manager"])
        story = (Story(uptake_from=0.3, uptake_to=0.75, copy_before=0.45, copy_after=0.9,
                       printing_from=printing_from(today), staff_rounds=(5, 19), staff_answers=(3, 4)),
                 Story(uptake_from=0.25, uptake_to=0.5, copy_before=0.5, copy_after=0.5, agreed=0.85,
                       staff_rounds=(19,), staff_answers=(3,)))[index]
        team = {role: users[name] for role, name in TEAMS[index].items()}
        done = care_planning_history(practice=practice, staff=team, story=story, today=today, seed=index + 7)
        self.stdout.write(f"{practice.name}: two years of care planning: {done['invitations']:,} invitations, "
                          f"{done['tests']:,} tests appointments, {done['conversations']:,} conversations, "
                          f"{done['agreed']:,} plans agreed, {done['copies']:,} copies given, {done['surveys']:,} "
                          f"surveys sent ({done['answered']:,} answered).")

    def _sessions(self, practice, users):
        """A working week of clinic sessions, so staff time on the recall board comes from them."""
        from tandem.core import clock
        from tandem.demo.sessions import seed_sessions

        made = seed_sessions(practice=practice, users=users, today=clock.today())
        if made:
            self.stdout.write(f"{practice.name}: {made:,} clinic sessions made for the year ahead from a working week.")
        from tandem.demo.bookings import book_days, first_working_day

        people = book_days(practice=practice, admin=users["admin"], today=clock.today(), now=clock.now())
        if people:
            day = first_working_day(clock.today())
            self.stdout.write(f"{practice.name}: {people} people booked for tests and a conversation, most on "
                              f"{day:%A} {day.day} {day:%B} (the day list).")

    def _clinics(self, practice, users, seed):
        """Tests done, conversations booked and the packs that are due sent, for people due now."""
        from tandem.core import clock
        from tandem.demo.clinics import book_clinics
        from tandem.messaging.actions import dispatch_pending
        from tandem.prepare import actions as prepare_actions
        from tandem.prepare.models import Conversation

        if Conversation.objects.filter(practice=practice).exists():
            return
        from tandem.demo.careplans import plans_from_earlier_years, seed_services

        counts = book_clinics(practice=practice, nurse=users["nurse"], gp=users["gp"], admin=users["admin"],
                              hca=users["hca"], seed=seed)
        from tandem.careplans.models import LocalService

        seed_services(practice=practice, by=users["manager"])
        services = LocalService.objects.filter(practice=practice).count()
        plans = plans_from_earlier_years(practice=practice, nurse=users["nurse"], gp=users["gp"], seed=seed)
        from tandem.demo.careplans import record_demo_changes

        record_demo_changes(practice=practice, by=users["manager"], today=clock.today())
        self.stdout.write(f"{practice.name}: {services} local services in the directory; {plans} care plans "
                          "saved at earlier annual reviews.")
        from tandem.demo.checkins import year_of_checkins

        year = year_of_checkins(practice=practice, admin=users["admin"], seed=seed)
        self.stdout.write(f"{practice.name}: a year of check-ins agreed in those plans: {year['checkins']} sent, "
                          f"{year['answered']} answered, {year['tasks']} tasks from answers that raised a flag.")
        this_month = clock.today().replace(day=1)
        sent = 0
        for month in (this_month, (this_month + dt.timedelta(days=32)).replace(day=1)):
            sent += prepare_actions.send_packs(practice=practice, by=users["admin"], month=month).queued
        # Letters are made now; emails wait in the outbox for the demo mail sink, which starts with the
        # server (scripts/serve-demo), so its absence here is expected, not a warning for the console.
        delivery_log = logging.getLogger("tandem.messaging.delivery")
        level = delivery_log.level
        delivery_log.setLevel(logging.ERROR)
        try:
            dispatch_pending(practice=practice)
        finally:
            delivery_log.setLevel(level)
        self.stdout.write(f"{practice.name}: {counts['booked']} care planning conversations booked "
                          f"({counts['waiting']} waiting for a result, {counts['no_results']} without results in "
                          f"advance, {counts['agendas']} agendas already in); {sent} packs sent (letters made now; emails "
                          "go to the demo mailbox once the server starts).")
