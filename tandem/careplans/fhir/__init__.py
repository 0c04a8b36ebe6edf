"""A care plan as FHIR R4: a document Bundle out, and the same document read back into a plan.

A façade of pure mappers over the plan (tandem.careplans.rules.document.Plan), one module per
resource; none of them imports Django:

    common.py      Tandem's systems and extensions, stable ids, the record a document is made from
                   (Source), checking each resource against the fhir.resources R4B models
    parties.py     Patient (NHS number), Organization (ODS code), Practitioner, RelatedPerson
    condition.py   Condition: the person's diagnoses the plan addresses, and its needs and concerns
    goal.py        Goal: the person's goals in their own words, and clinical targets agreed as their own
    careteam.py    CareTeam: the person, who took part, carers, the clinician, the named clinician
    activity.py    Task (referrals to the team), ServiceRequest and HealthcareService (support services),
                   and a referral to an organisation outside the practice: ServiceRequest (an order), the
                   Task that follows it, and the Organization (ODS code)
    careplan.py    CarePlan: notes, goal actions, medication agreements, contingency plan, rescue
                   medicines, review and follow-ups as activities, and the references to all the above
    bundle.py      the document: Composition first (a section per heading, generated narrative), then
                   every resource, validated as a whole
    importer.py    plan_from_bundle: the document back to (Plan, NHS number, problems)
    reading.py     what importer.py reads with: entries by reference, goals, targets, activities

The reads that gather a Source are in tandem.careplans.queries.fhir (audited as an export); importing
saves through tandem.careplans.actions.fhir -> save_plan, as a new version.

Where the PRSB Personalised Care and Support Plan goes in FHIR R4 (UK Core identifiers for people and
organisations; details in each module):

    PRSB / Plan                         FHIR R4
    about me, information given,        CarePlan.note, tagged by Tandem's care-plan-note-topic extension
      self-management support
    needs, concerns or problems         Condition (text only, category "need") in CarePlan.addresses, with
                                        condition-related (core extension) and Tandem's condition-register
    the conditions the plan addresses   Condition (SNOMED CT, from the record) in CarePlan.addresses
    goals (own words, importance,       Goal: description.text, priority + goal-importance extension,
      stage, outcome)                   lifecycleStatus/achievementStatus, outcomeCode
    actions (what, who, when,           CarePlan.activity.detail (goal, performer, scheduledString,
      strategies, status, confidence)   status) + action-strategies and action-confidence extensions
    clinical targets                    Goal.target (SNOMED CT/LOINC measure, UCUM quantity or range)
    medication agreements               CarePlan.activity.detail, kind MedicationRequest
    support services and signposting    ServiceRequest (performer: HealthcareService from the directory)
    contingency plan (warning signs)    CarePlan.activity.detail per sign (reasonCode coded green/amber/red)
    anticipatory medicines, rescue      CarePlan.activity.detail, kind MedicationRequest
    who took part; agreed with person   CareTeam participants (RelatedPerson, "took-part");
                                        Composition.attester mode personal
    review date and who; follow-ups     CarePlan.activity.detail (scheduled review; follow-up)
    tasks for the team                  Task (performerType: the role; owner: the person; status, due date,
                                        outcome (note) and reason declined (statusReason) as the task stands now)
    areas covered                       Tandem's care-planning-area extension on CarePlan
    version                             CarePlan.meta.versionId; identifier plan and plan/version;
                                        CarePlan.status active (latest) or revoked (earlier)

FHIR R4 has no element for a goal's 1-10 importance, an action's confidence or strategies, who agreed
a medicine, the area a note belongs to or the five areas, so those are Tandem extensions: valid for
any reader, ignored by those who do not know them, and read back exactly by Tandem.
"""
