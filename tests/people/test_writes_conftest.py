"""Fixtures for writes from the person's own pages (ADR 16, stage 2b), on top of the pages' fixtures
(tests/people/test_pages_conftest.py: Arthur and Beatrice at Riverside, Brian at Hillview).

`writer` is a test client signed in as a person (`writer.sign_in(patient)`, as the pages' fixture does)
or as a carer acting under a grant (`writer.act_for(patient, scopes=...)`: a ProxyGrant made directly,
accepted by a carer's own PersonAccount, and the session people.session.begin makes for a carer).

Until tandem.core.rules.URL_ACCESS has rows for the new URLs, this module is also the URLconf of these
tests: Tandem's own URLs, with `access_rules` for the names in tandem.people.views.forms (Open.PERSON,
as the rows will say). Once it has them, Tandem's URLconf is used as it is.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from tandem.core.rules import Access, Open


def __getattr__(name: str):  # the URLconf's attributes, made when Django first asks for them
    if name == "urlpatterns":
        from tandem import urls

        return urls.urlpatterns
    if name == "access_rules":
        from tandem.people.views import forms

        return {f"people:{p.name}": Access(read=Open.PERSON, change=Open.PERSON) for p in forms.urlpatterns}
    raise AttributeError(name)


def _rules_have_writes() -> bool:
    from tandem.core.rules import URL_ACCESS
    from tandem.people.views import forms

    return all(f"people:{p.name}" in URL_ACCESS for p in forms.urlpatterns)


class Writer:
    """The test client, signed in as a person or as a carer acting for one."""

    def __init__(self, client):
        self.client = client
        self.grant = None

    def _session(self, **values) -> None:
        from tandem.people.oidc import wall_time
        from tandem.people.rules import SESSION_KEY

        session = self.client.session
        now = int(wall_time())
        session[SESSION_KEY] = {"since": now, "seen": now, **values}
        session.save()

    def sign_in(self, patient, *, level: str = "P9"):
        from tandem.people import actions
        from tandem.people.rules import Level

        account, link = actions.sign_in(issuer="https://nhs-login.test", sub=f"test-{patient.pk}", level=Level(level),
                                        patient=patient)
        self.grant = None
        self._session(account=account.pk, generation=account.session_generation, level=level, link=link.pk,
                      grant=None)
        return account

    def act_for(self, patient, *, scopes=("answer_checkins",), given="Sarah", family="Hollis"):
        """A carer (their own account, P9) acting for `patient` under an accepted grant with `scopes`."""
        from tandem.core import clock
        from tandem.people.models import PersonAccount, ProxyGrant

        now = clock.now()
        account = PersonAccount.objects.create(issuer="https://nhs-login.test", sub=f"carer-{secrets.token_hex(6)}",
                                               created_at=now, last_signed_in_at=now, highest_level_seen="P9")
        grant = ProxyGrant.objects.create(
            practice_id=patient.practice_id, patient=patient, proxy_account=account, proxy_given_name=given,
            proxy_family_name=family, proxy_birth_date=dt.date(1970, 3, 4), proxy_email="carer@example.org",
            relationship="child", **{scope: True for scope in scopes}, starts_on=clock.today(),
            ends_on=clock.today() + dt.timedelta(days=365), basis="consent", identity_check="nhs_login_p9",
            granted_by_person=True, created_at=now, invitation_digest=secrets.token_hex(32),
            invitation_expires_at=now + dt.timedelta(days=14), accepted_at=now)
        self.grant = grant
        self._session(account=account.pk, generation=account.session_generation, level="P9", link=None,
                      grant=grant.pk)
        return grant

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, **kwargs)


@pytest.fixture
def writer(client, settings):
    if not _rules_have_writes():
        settings.ROOT_URLCONF = __name__
    return Writer(client)
