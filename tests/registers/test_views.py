"""The registers pages as staff use them: what they show, who may see and change what, and the audit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.registers import actions
from tandem.registers.models import Cohort, TierSettings

from .builders import add_patient

T2DM = ("diagnosis", "44054006", "2015-01-01")
COPD = ("diagnosis", "13645005", "2018-01-01")
ASTHMA = ("diagnosis", "195967001", "2005-04-01")
HF = ("diagnosis", "84114007", "2020-01-01")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def clinic(universe):
    u = universe
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None)
    u.copd_asthma = add_patient(u.practice, "1950-05-01", [COPD, ASTHMA, ("emergency", "2026-03-01"),
                                                           ("emergency", "2026-04-01")],
                                given="Ada", family="Lovelace")
    u.diabetic = add_patient(u.practice, "1970-01-01", [T2DM], given="Bill", family="Brown")
    u.undiagnosed = add_patient(u.practice, "1960-01-01", [("observation", "hba1c", "2025-03-03", 52),
                                                          ("observation", "hba1c", "2025-09-09", 50)],
                                given="Cara", family="Carter")
    u.theirs = add_patient(u.other_practice, "1950-01-01", [COPD, ASTHMA], given="Dan", family="Dobbs")
    actions.refresh_practice(practice=u.practice, by=None)
    actions.refresh_practice(practice=u.other_practice, by=None)
    return u


def test_register_page_counts_people_on_each_register(client, clinic):
    client.force_login(clinic.nurse)
    page = text_of(client.get(reverse("registers:index")))
    assert "Chronic obstructive pulmonary disease 1 25%" in page  # 1 of 4 registered (3 here + the universe's)
    assert "Type 2 diabetes mellitus 1 25%" in page
    assert "Registers and tiers were last worked out on 15 June 2026" in page


def test_a_nurse_can_work_registers_out_again_and_an_administrator_cannot(client, clinic):
    client.force_login(clinic.admin)
    assert client.post(reverse("registers:refresh")).status_code == 403
    client.force_login(clinic.nurse)
    response = client.post(reverse("registers:refresh"), {"next": "tiers"})
    assert response.status_code == 302 and response["Location"] == reverse("registers:tiers")
    assert AuditEvent.objects.filter(what="registers.refresh", user=clinic.nurse).count() == 1


def test_worklist_lists_people_with_the_reason_and_audits_who_was_shown(client, clinic):
    client.force_login(clinic.nurse)
    summary = text_of(client.get(reverse("registers:worklist")))
    assert "HbA1c in the diabetes range, no diabetes diagnosis 1" in summary
    page = text_of(client.get(reverse("registers:worklist") + "?check=hba1c_no_diabetes"))
    assert (f"Cara CARTER {clinic.undiagnosed.nhs_number_display} 66 Two HbA1c results of 48 or more: 52 on "
            "3 Mar 2025 and 50 on 9 Sep 2025; no diabetes diagnosis recorded") in page
    assert list(AuditEvent.objects.filter(what="registers.worklist").values_list("patient_id", flat=True)) == [
        clinic.undiagnosed.pk]


def test_worklist_is_clinical_so_administrators_cannot_see_it(client, clinic):
    client.force_login(clinic.admin)
    assert client.get(reverse("registers:worklist")).status_code == 403


def test_worklist_with_an_unknown_check_is_not_found(client, clinic):
    client.force_login(clinic.nurse)
    assert client.get(reverse("registers:worklist") + "?check=nonsense").status_code == 404


def test_tier_report_shows_the_distribution_and_what_drives_it_without_names(client, clinic):
    client.force_login(clinic.admin)
    page = text_of(client.get(reverse("registers:tiers")))
    assert "2 people are on at least one register (50% of 4 registered patients)" in page
    assert "Case management 1 50% about 1 to 5%" in page
    assert "Self-care support 1 50%" in page
    assert "Emergency admissions in 12 months 1 0 1" in page
    assert "Lovelace" not in page.upper() and "LOVELACE" not in page


def test_only_the_practice_manager_changes_thresholds(client, clinic):
    client.force_login(clinic.nurse)
    assert client.get(reverse("registers:tier_settings")).status_code == 403
    client.force_login(clinic.manager)
    assert client.get(reverse("registers:tier_settings")).status_code == 200
    data = {"cm_emergency_admissions": "3", "dm_emergency_admissions": "1", "dm_ltc_count": "2", "recalculate": "1"}
    response = client.post(reverse("registers:tier_settings"), data)
    assert response.status_code == 302
    settings = TierSettings.objects.get(practice=clinic.practice)
    assert (settings.cm_emergency_admissions, settings.dm_ltc_count, settings.cm_ltc_count) == (3, 2, None)
    page = text_of(client.get(reverse("registers:tiers")))
    assert "Case management 0 0%" in page  # two admissions no longer reach case management


def test_threshold_errors_are_shown_next_to_the_field(client, clinic):
    client.force_login(clinic.manager)
    response = client.post(reverse("registers:tier_settings"), {"dm_ltc_count": "three"})
    page = text_of(response)
    assert response.status_code == 200 and page.startswith("Error:")
    assert "There is a problem Enter a whole number, like 3" in page


def test_patient_tier_fragment_shows_the_tier_and_why(client, clinic):
    client.force_login(clinic.nurse)
    page = text_of(client.get(reverse("registers:patient_tier", kwargs={"pk": clinic.copd_asthma.pk})))
    assert "Case management Why 2 long-term conditions 2 emergency admissions in 12 months" in page
    assert "Asthma since 1 April 2005" in page
    assert AuditEvent.objects.filter(what="registers.patient_tier", patient_id=clinic.copd_asthma.pk).exists()


def test_patient_tier_fragment_of_another_practice_is_not_found(client, clinic):
    client.force_login(clinic.nurse)
    assert client.get(reverse("registers:patient_tier", kwargs={"pk": clinic.theirs.pk})).status_code == 404


def test_cohort_preview_counts_and_samples_and_audits_the_sample(client, clinic):
    client.force_login(clinic.nurse)
    response = client.post(reverse("registers:cohort_preview"), {"all_of": ["copd", "asthma"]}, HTTP_HX_REQUEST="true")
    page = text_of(response)
    assert "1 person" in page and "Ada LOVELACE" in page
    assert "Dobbs" not in page.title()
    assert list(AuditEvent.objects.filter(what="registers.cohort_preview").values_list("patient_id", flat=True)) == [
        clinic.copd_asthma.pk]


def test_saving_a_cohort_and_seeing_it_listed(client, clinic):
    client.force_login(clinic.nurse)
    response = client.post(reverse("registers:cohort_new"),
                           {"name": "COPD with asthma", "all_of": ["copd", "asthma"], "age_min": "65"})
    assert response.status_code == 302
    cohort = Cohort.objects.get(practice=clinic.practice)
    assert cohort.definition["all_of"] == ["asthma", "copd"] and cohort.definition["age_min"] == 65
    page = text_of(client.get(reverse("registers:cohorts")))
    assert "COPD with asthma On all of: Asthma, Chronic obstructive pulmonary disease Aged 65 or over 1" in page


def test_a_cohort_needs_a_name_and_a_sensible_age_band(client, clinic):
    client.force_login(clinic.nurse)
    page = text_of(client.post(reverse("registers:cohort_new"), {"age_min": "80", "age_max": "65"}))
    assert "Enter a name for the cohort" in page
    assert "The oldest age must be the same as or more than the youngest age" in page
    assert not Cohort.objects.exists()


def test_administrators_see_cohorts_but_cannot_change_them(client, clinic):
    client.force_login(clinic.admin)
    assert client.get(reverse("registers:cohort_new")).status_code == 200
    assert client.post(reverse("registers:cohort_new"), {"name": "All"}).status_code == 403


def test_another_practices_cohort_is_not_found(client, clinic):
    theirs = actions.save_cohort(practice=clinic.other_practice, by=None, name="Theirs", definition={})
    client.force_login(clinic.nurse)
    assert client.get(reverse("registers:cohort_edit", kwargs={"cohort_id": theirs.pk})).status_code == 404
    assert client.post(reverse("registers:cohort_delete", kwargs={"cohort_id": theirs.pk})).status_code == 404
    assert Cohort.objects.filter(pk=theirs.pk).exists()


def test_editing_and_deleting_a_cohort(client, clinic):
    cohort = actions.save_cohort(practice=clinic.practice, by=None, name="Everyone", definition={})
    client.force_login(clinic.nurse)
    page = text_of(client.get(reverse("registers:cohort_edit", kwargs={"cohort_id": cohort.pk})))
    assert "2 people" in page
    client.post(reverse("registers:cohort_edit", kwargs={"cohort_id": cohort.pk}),
                {"name": "Case management", "tiers": ["case_management"]})
    cohort.refresh_from_db()
    assert cohort.name == "Case management" and cohort.definition["tiers"] == ["case_management"]
    client.post(reverse("registers:cohort_delete", kwargs={"cohort_id": cohort.pk}))
    assert not Cohort.objects.exists()
