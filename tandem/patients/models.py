"""The clinical record: patients and what is coded about them.

Every row carries its practice (denormalised on clinical rows) so practice-scoped
bulk queries never need a join through Patient. Rows that came from outside
(FHIR) keep a `source_id` so re-importing the same resource updates, not duplicates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from tandem.core import clock
from tandem.core.models import Practice

from .rules import format_nhs_number


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Channel(models.TextChoices):
    LETTER = "letter", "Letter"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"


class Ethnicity(models.TextChoices):
    """England and Wales 2021 Census ethnic groups (ONS), plus 'not stated'."""

    WHITE_BRITISH = "A", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "B", "White: Irish"
    WHITE_GYPSY = "T", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "R", "White: Roma"
    WHITE_OTHER = "C", "White: Any other White background"
    MIXED_WBC = "D", "Mixed: White and Black Caribbean"
    MIXED_WBA = "E", "Mixed: White and Black African"
    MIXED_WA = "F", "Mixed: White and Asian"
    MIXED_OTHER = "G", "Mixed: Any other Mixed or multiple ethnic background"
    INDIAN = "H", "Asian or Asian British: Indian"
    PAKISTANI = "J", "Asian or Asian British: Pakistani"
    BANGLADESHI = "K", "Asian or Asian British: Bangladeshi"
    CHINESE = "L", "Asian or Asian British: Chinese"
    ASIAN_OTHER = "M", "Asian or Asian British: Any other Asian background"
    CARIBBEAN = "N", "Black or Black British: Caribbean"
    AFRICAN = "P", "Black or Black British: African"
    BLACK_OTHER = "S", "Black or Black British: Any other Black background"
    ARAB = "W", "Other ethnic group: Arab"
    OTHER = "Y", "Other ethnic group: Any other ethnic group"
    NOT_STATED = "Z", "Not stated"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    LEFT = "left", "Left the practice"
    DECEASED = "deceased", "Deceased"


class Patient(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    nhs_number = models.CharField("NHS number", max_length=10)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=7, choices=Sex.choices, default=Sex.UNKNOWN)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    imd_decile = models.PositiveSmallIntegerField(
        "IMD decile", null=True, blank=True, help_text="Index of Multiple Deprivation decile, 1 = most deprived"
    )
    ethnicity = models.CharField(max_length=1, choices=Ethnicity.choices, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    mobile = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.LETTER)
    preferred_language = models.CharField(max_length=40, blank=True, default="English")
    named_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registration_status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    registered_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    source_id = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "nhs_number"], name="patient_nhs_number_unique_in_practice"),
            models.CheckConstraint(
                condition=Q(imd_decile__isnull=True) | Q(imd_decile__gte=1, imd_decile__lte=10),
                name="patient_imd_decile_1_to_10",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "family_name", "given_name"]),
            models.Index(fields=["practice", "date_of_birth"]),
            models.Index(fields=["nhs_number"]),
        ]

    def __str__(self) -> str:
        return f"Patient {self.pk}"  # never a name: str() ends up in logs

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name.upper()}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    @property
    def address(self) -> str:
        parts = [self.address_line1, self.address_line2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class ReasonableAdjustment(models.Model):
    """What the practice must do so this person can use the service (NHS Reasonable Adjustment Flag)."""

    class Kind(models.TextChoices):
        LARGE_PRINT = "large_print", "Large print"
        EASY_READ = "easy_read", "Easy read"
        INTERPRETER = "interpreter", "Interpreter"
        BSL = "bsl", "British Sign Language interpreter"
        HEARING_LOOP = "hearing_loop", "Hearing loop"
        BRAILLE = "braille", "Braille"
        AUDIO = "audio", "Audio format"
        LONGER_APPOINTMENT = "longer_appointment", "Longer appointment"
        CARER_PRESENT = "carer_present", "Carer or supporter to be present"
        STEP_FREE = "step_free", "Step-free access"
        HOME_VISIT = "home_visit", "Housebound: needs a home visit"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="e.g. the language for an interpreter")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "kind"], name="one_adjustment_kind_per_patient")]


class RelatedPerson(models.Model):
    """Carers and people important to the patient."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", "Spouse or partner"
        CHILD = "child", "Son or daughter"
        PARENT = "parent", "Parent"
        SIBLING = "sibling", "Brother or sister"
        FRIEND = "friend", "Friend"
        NEIGHBOUR = "neighbour", "Neighbour"
        PAID_CARER = "paid_carer", "Paid carer"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="related_people")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=12, choices=Relationship.choices)
    is_carer = models.BooleanField(default=False, help_text="Provides care to the patient")
    is_next_of_kin = models.BooleanField(default=False)
    has_proxy_access = models.BooleanField(default=False, help_text="May act for the patient (with consent)")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)


class ClinicalRow(models.Model):
    """Shared columns of coded clinical rows."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=200, blank=True, default="")
    # When Tandem last wrote the row (FHIR meta.lastUpdated, the API's _lastUpdated). Set by every writer:
    # the actions and the FHIR import from the clock; a bulk load that leaves it out gets the database's time.
    recorded_at = models.DateTimeField(default=clock.now, db_default=Now())

    class Meta:
        abstract = True


def _source_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["practice", "source_id"], condition=~Q(source_id=""), name=f"{name}_source_unique"
    )


class Condition(ClinicalRow):
    """A coded diagnosis (SNOMED CT). Register membership is worked out from these."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    code = models.CharField("SNOMED CT code", max_length=18)
    term = models.CharField(max_length=255)
    onset_date = models.DateField()
    resolved_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [_source_unique("condition")]
        indexes = [models.Index(fields=["practice", "code"]), models.Index(fields=["patient", "onset_date"])]


class Observation(ClinicalRow):
    """A coded measurement or finding, stored in the concept's canonical unit."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="observations")
    concept = models.CharField(max_length=20, help_text="tandem.terminology.observations concept key")
    code_system = models.CharField(max_length=10, blank=True)  # loinc | snomed
    code = models.CharField(max_length=20, blank=True)
    value = models.FloatField(null=True, blank=True)
    value_code = models.CharField(max_length=20, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    effective_date = models.DateField()

    class Meta:
        constraints = [
            _source_unique("observation"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(value_code=""), name="observation_has_a_value"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "concept", "effective_date"]),
            models.Index(fields=["practice", "concept", "effective_date"]),
        ]


class Medication(ClinicalRow):
    """A medicine the patient takes (or took), dm+d coded where known."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Current"
        STOPPED = "stopped", "Stopped"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    dmd_code = models.CharField("dm+d code", max_length=20, blank=True)
    name = models.CharField(max_length=255)
    dose = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.ACTIVE)
    is_regular = models.BooleanField(default=True, help_text="Regular repeat rather than as needed")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [_source_unique("medication")]
        indexes = [models.Index(fields=["practice", "status"]), models.Index(fields=["patient", "status"])]


class Encounter(ClinicalRow):
    """An appointment or contact in general practice: booked, attended or missed."""

    class Kind(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        TELEPHONE = "telephone", "Telephone"
        VIDEO = "video", "Video"
        HOME_VISIT = "home_visit", "Home visit"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ATTENDED = "attended", "Attended"
        DNA = "dna", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="encounters")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.FACE_TO_FACE)
    clinician_role = models.CharField(max_length=12, blank=True)  # tandem.core.rules.Role value
    # Who the person saw, for continuity of care (tandem.continuity): a member of staff when the
    # contact was recorded in Tandem, else `clinician_ref`, the practitioner as an imported record
    # names them (a FHIR Practitioner reference or identifier, or a name), who need not be a user.
    # With neither, the contact does not count towards continuity.
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    clinician_ref = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.ATTENDED)
    reason = models.CharField(max_length=120, blank=True, help_text="Coded reason or appointment type label")

    class Meta:
        constraints = [_source_unique("encounter")]
        indexes = [models.Index(fields=["practice", "date"]), models.Index(fields=["patient", "date"])]


class HospitalEvent(ClinicalRow):
    """A hospital admission or an A&E attendance."""

    class Kind(models.TextChoices):
        EMERGENCY_ADMISSION = "emergency", "Emergency admission"
        ELECTIVE_ADMISSION = "elective", "Planned admission"
        AE_ATTENDANCE = "ae", "A&E attendance"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="hospital_events")
    kind = models.CharField(max_length=9, choices=Kind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    reason_code = models.CharField(max_length=18, blank=True)

    class Meta:
        constraints = [_source_unique("hospital_event")]
        indexes = [models.Index(fields=["practice", "kind", "start_date"]), models.Index(fields=["patient", "start_date"])]


class PersonalTarget(models.Model):
    """A clinical target the person agreed as their own (in a care planning conversation). It
    overrides the guideline default wherever Tandem shows a target, until it is ended or replaced.
    Written only through tandem.patients.actions.agree_target."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="personal_targets")
    concept = models.CharField(max_length=20, help_text="tandem.terminology.observations concept key")
    upper = models.FloatField(null=True, blank=True, help_text="in target at or below this")
    lower = models.FloatField(null=True, blank=True, help_text="in target at or above this")
    reason = models.CharField(max_length=300, blank=True, help_text="why this target suits the person")
    agreed_on = models.DateField()
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    ended_on = models.DateField(null=True, blank=True, help_text="replaced or no longer agreed")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "concept"], condition=Q(ended_on__isnull=True),
                                    name="one_current_personal_target"),
            models.CheckConstraint(condition=Q(upper__isnull=False) | Q(lower__isnull=False),
                                   name="personal_target_has_a_limit"),
        ]

    def __str__(self) -> str:
        return f"PersonalTarget {self.pk}"
