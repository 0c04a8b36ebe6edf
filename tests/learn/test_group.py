"""A primary care network's lead sees its practices side by side: counts only, small numbers hidden,
other groups not found, and no page for anyone who does not lead a group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tandem.careplans import actions as plan_actions
from tandem.careplans.rules.document import Goal, Plan
from tandem.core import actions as core_actions
from tandem.core.models import GroupLead, OrganisationGroup, User
from tandem.learn import views_group
from tandem.learn.group_queries import Row

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def network(universe):
    u = universe
    icb = OrganisationGroup.objects.create(code="QY9", name="Example ICB", kind="icb")
    u.pcn = OrganisationGroup.objects.create(code="U99999", name="Riverside PCN", kind="pcn", parent=icb)
    u.other = OrganisationGroup.objects.create(code="U88888", name="Other PCN", kind="pcn", parent=icb)
    u.practice.group = u.pcn
    u.practice.save()
    u.other_practice.group = u.other
    u.other_practice.save()
    u.icb = icb
    u.lead = User.objects.create_user("pcnlead", password="correct-horse-battery", first_name="Ruth", last_name="Amadi")
    core_actions.make_group_lead(user=u.lead, group=u.pcn, by=None)
    return u


def test_the_lead_sees_the_networks_practices_and_no_one_else_does(client, network):
    u = network
    client.force_login(u.lead)
    response = client.get("/learn/groups/")
    assert response.status_code == 302 and response["Location"] == f"/learn/groups/{u.pcn.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Riverside Surgery" in page and "Hillview" not in page
    assert "Margaret" not in page  # counts only: nobody is named
    assert client.get(f"/learn/groups/{u.other.pk}/").status_code == 404
    client.force_login(u.nurse)  # a nurse at a practice of the network does not lead it
    assert client.get(f"/learn/groups/{u.pcn.pk}/").status_code == 403
    client.logout()
    assert client.get(f"/learn/groups/{u.pcn.pk}/").status_code == 302


def test_an_icb_lead_sees_the_practices_of_its_networks_and_an_ended_lead_sees_nothing(client, network):
    u = network
    core_actions.make_group_lead(user=u.lead, group=u.icb, by=None)
    client.force_login(u.lead)
    page = client.get(f"/learn/groups/{u.icb.pk}/").content.decode()
    assert "Riverside Surgery" in page and "Hillview Medical Centre" in page
    call_command("group_lead", "QY9", "pcnlead", "--end", stdout=open("/dev/null", "w"))
    call_command("group_lead", "U99999", "pcnlead", "--end", stdout=open("/dev/null", "w"))
    assert not GroupLead.objects.filter(ended_on__isnull=True).exists()
    assert client.get(f"/learn/groups/{u.icb.pk}/").status_code == 403


def test_small_counts_are_hidden_and_a_hidden_part_hides_another():
    from tandem.core.models import Practice

    row = Row(Practice(name="Riverside", ods_code="A81001"), registered=900, conversations=40, plans=38, with_copy=37,
              checkins=2)
    shown = views_group.cells(row)
    assert shown["gap"] == "fewer than 5" and shown["with_copy"] == "hidden"  # 40 - 3 would give the gap away
    assert shown["checkins"] == "fewer than 5" and shown["conversations"] == "40"
    assert not views_group.plottable(row)


def test_the_table_counts_conversations_plans_and_copies_and_downloads(client, network):
    u = network
    from tandem.core import clock

    with clock.frozen(D(2026, 5, 2)):  # in the last 12 whole months
        for n in range(1, 3):
            saved = plan_actions.save_plan(patient=u.patient, by=u.nurse, base_version=n - 1, plan=Plan(
                goals=(Goal(id="g", words="Walk"),), agreed_with_person=True, held_on="2026-05-02",
                agreed_on="2026-05-02")).version
        plan_actions.record_copy_given(version=saved, by=u.nurse, how="printed", on=D(2026, 5, 2))
    client.force_login(u.lead)
    csv = client.get(f"/learn/groups/{u.pcn.pk}/table.csv").content.decode()
    assert "Riverside Surgery,A81001,fewer than 5,fewer than 5,fewer than 5,fewer than 5,0,0" in csv
