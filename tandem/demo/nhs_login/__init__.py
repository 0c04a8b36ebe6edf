"""A local stand-in for NHS login in the demo, so people's own pages can be tried on this machine.

`scripts/serve-demo` runs `tandem demo_nhs_login`, which writes, under TANDEM_VAR_DIR/nhs_login/, the client's
key pair (its private half is TANDEM_NHS_LOGIN_KEY), the client's registration (redirect URI and public key)
and the provider's users: a few of the demo's synthetic people with a care plan (at P9, and one at P5 to
show stepping up for results) and a carer, Sarah Brooke, who is nobody's patient. It then runs
`provider.mjs` (the same local OpenID provider the tests start) on its port. Its page lists the people.

The carer's access is given by the first demo person through the same action the person's page uses
(`people.actions.grant_by_person`), so her invitation arrives in the demo mailbox like any other email.
Demo only: the command refuses the production profile.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tandem.careplans.models import PlanVersion
from tandem.core.models import Practice
from tandem.patients.models import Patient, RegistrationStatus

CLIENT_ID = "tandem-demo"
PROVIDER = Path(__file__).resolve().parent / "provider.mjs"
PEOPLE = 4  # demo people who can sign in at the first practice
CARER = {"given_name": "Sarah", "family_name": "Brooke", "birthdate": "1978-07-30", "email": "sarah.brooke@example.org"}


def people(practice: Practice, count: int = PEOPLE) -> list[Patient]:
    """The demo people who can sign in: the first registered people at `practice` with an agreed plan."""
    with_plans = PlanVersion.objects.filter(practice=practice).values("patient_id")
    return list(Patient.objects.filter(practice=practice, registration_status=RegistrationStatus.REGISTERED,
                                       pk__in=with_plans).order_by("pk")[:count])


def users(found: list[Patient]) -> dict:
    """The provider's users: each person at P9 but the last (P5: photo ID not proved), and the carer."""
    out = {}
    for number, patient in enumerate(found, start=1):
        level = "P5" if number == len(found) and len(found) > 1 else "P9"
        born = patient.date_of_birth
        out[f"person{number}"] = {
            "level": level, "nhs_number": patient.nhs_number, "birthdate": born.isoformat(),
            "family_name": patient.family_name, "gp_ods_code": patient.practice.ods_code,
            "label": f"{patient.given_name} {patient.family_name}, born {born.day} {born:%B %Y}"
                     f" ({'identity checked with photo ID' if level == 'P9' else 'identity checked without photo ID'})"}
    out["carer"] = {"level": "P9", "nhs_number": "9990000999", "birthdate": CARER["birthdate"],
                    "family_name": CARER["family_name"],
                    "label": f"{CARER['given_name']} {CARER['family_name']} (a carer: open her invitation in the "
                             "demo mailbox first)"}
    return out


def write_files(folder: Path, *, public_url: str, found: list[Patient]) -> dict[str, Path]:
    """The key pair, the client's registration and the users, in `folder` (made once; users every time)."""
    from joserfc.jwk import RSAKey

    folder.mkdir(parents=True, exist_ok=True)
    key_file, client_file, users_file = folder / "client_private.pem", folder / "client.json", folder / "users.json"
    if not key_file.exists():
        key = RSAKey.generate_key(2048, parameters={"alg": "RS512", "use": "sig", "kid": "tandem-demo-1"})
        key_file.write_bytes(key.as_pem(private=True))
        key_file.chmod(0o600)
    key = RSAKey.import_key(key_file.read_bytes(), parameters={"alg": "RS512", "use": "sig", "kid": "tandem-demo-1"})
    client_file.write_text(json.dumps({"client_id": CLIENT_ID,
                                       "redirect_uris": [f"{public_url.rstrip('/')}/my/sign-in/callback/"],
                                       "jwks": {"keys": [key.as_dict(private=False)]}}))
    users_file.write_text(json.dumps(users(found), indent=1))
    return {"key": key_file, "client": client_file, "users": users_file}


def carer_grant(practice: Practice, *, today: dt.date) -> int:
    """The first demo person gives Sarah access to see their plan and answer check-ins, as from their own
    page; nothing when someone already has access to them. Returns how many grants were made (0 or 1)."""
    from tandem.people import actions
    from tandem.people.carers import GrantRequest, years_after
    from tandem.people.models import ProxyGrant
    from tandem.people.rules import Level, Scope
    from tandem.people.session import Person

    found = people(practice, count=1)
    if not found or ProxyGrant.objects.filter(patient=found[0]).exists():
        return 0
    patient = found[0]
    account, link = actions.sign_in(issuer="demo-setup", sub=f"demo-{patient.pk}", level=Level.P9, patient=patient)
    viewer = Person(account_id=account.pk, link_id=link.pk, patient=patient, practice=practice, level=Level.P9)
    actions.grant_by_person(viewer=viewer, wanted=GrantRequest(
        given_name=CARER["given_name"], family_name=CARER["family_name"],
        birth_date=dt.date.fromisoformat(CARER["birthdate"]), email=CARER["email"], relationship="child",
        scopes=frozenset({Scope.VIEW_PLAN, Scope.ANSWER_CHECKINS}), starts_on=today,
        ends_on=years_after(today, 1), review_on=None))
    actions.end_link(link=link, reason="relinked")  # the set-up's own sign-in is not a person's session
    return 1
