"""The authorisation (consent) page: a member of staff who may read clinical records allows a
registered application to read records through the API, and for patient/ scopes chooses the one
person it is for (by NHS number, among the people they may see).

GET and POST go to the same address with the OAuth request in its query string, which
django-oauth-toolkit checks afresh each time (client, redirect URI, PKCE challenge, scopes): nothing
of it is kept in the session or in hidden fields. Allowing creates the grant through the toolkit,
with the chosen person in its claims (tandem.fhirapi.oauth).
"""

from __future__ import annotations

from django.shortcuts import render
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.views.base import BaseAuthorizationView

from tandem.core import audit, clock
from tandem.core.access import works_for_provider
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can
from tandem.patients.rules import InvalidNHSNumber, format_nhs_number, normalise_nhs_number

from . import actions, rules
from .scope import visible_patients

MAX_NHS_NUMBER = 20


def _age(born, today) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class Authorise(BaseAuthorizationView):
    """GET: what the application asks for. POST decision=find: find the person; decision=allow: allow;
    decision=deny: refuse (the application is told access_denied)."""

    def dispatch(self, request, *args, **kwargs):
        # a professional of an organisation outside the practice allows access for the people whose care team
        # they are in (tandem.fhirapi.scope); anyone else needs to read clinical records at the chosen practice
        if request.user.is_authenticated and works_for_provider(request.user) and not (
                request.practice is not None and can(request.roles, Capability.VIEW_CLINICAL)):
            return super().dispatch(request, *args, **kwargs)
        return practice_required(Capability.VIEW_CLINICAL)(super().dispatch)(request, *args, **kwargs)

    def _checked(self, request):
        """The OAuth request checked by the toolkit: (scopes, credentials, application) or an answer."""
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            redirect, details = self.error_response_details(error)
            if redirect:
                return None, self.redirect(details["url"], None)
            return None, self._refused(request, "The application's request could not be checked: "
                                                "it may have been changed or may be out of date.")
        application = get_application_model().objects.filter(client_id=credentials["client_id"]).first()
        scope = " ".join(scopes)
        if application is None or not rules.scope_lines(scope):
            return None, self._refused(request, "The application asked for no access Tandem gives.")
        return (scope, credentials, application), None

    def error_response_details(self, error):
        oauthlib_error = error.oauthlib_error
        uri = oauthlib_error.redirect_uri or ""
        separator = "&" if "?" in uri else "?"
        return bool(uri) and not _fatal(error), {"url": uri + separator + oauthlib_error.urlencoded}

    def _refused(self, request, message: str):
        return render(request, "fhirapi/refused.jinja", {"message": message, "form_errors": [message]}, status=400)

    def _page(self, request, checked, *, person=None, error: str = "", nhs_number: str = "", status: int = 200):
        scope, _credentials, application = checked
        return render(request, "fhirapi/authorise.jinja", {
            "application": application.name, "lines": rules.scope_lines(scope),
            "choose_person": rules.needs_patient_choice(scope), "person": person, "error": error,
            "nhs_number": nhs_number, "action": request.get_full_path(),
            "form_errors": [error] if error else []}, status=status)

    def get(self, request, *args, **kwargs):
        checked, answer = self._checked(request)
        if answer is not None:
            return answer
        return self._page(request, checked)

    def post(self, request, *args, **kwargs):
        checked, answer = self._checked(request)
        if answer is not None:
            return answer
        scope, credentials, application = checked
        decision = request.POST.get("decision", "")
        if decision == "deny":
            return self._respond(request, scope, credentials, application, allow=False)
        choose = rules.needs_patient_choice(scope)
        if decision == "find" and choose:
            return self._find(request, checked)
        if decision != "allow":
            return self._page(request, checked, status=400)
        patient = None
        credentials.pop("claims", None)  # only the person chosen here is ever put in the grant
        if choose:
            patient = self._visible(request, read_id(request.POST.get("patient")))
            if patient is None:
                return self._page(request, checked, status=400,
                                  error="Find the person again: enter their NHS number")
            credentials["claims"] = {"tandem_patient": patient.pk}
        actions.record_authorisation(by=request.user, practice=request.practice, application_id=application.pk,
                                     scope=scope, patient_id=patient.pk if patient else None)
        return self._respond(request, scope, credentials, application, allow=True)

    def _visible(self, request, pk: int | None):
        if pk is None:
            return None
        return visible_patients(request.user).filter(pk=pk).first()

    def _find(self, request, checked):
        raw = (request.POST.get("nhs_number") or "")[:MAX_NHS_NUMBER]
        try:
            number = normalise_nhs_number(raw)
        except InvalidNHSNumber as problem:
            return self._page(request, checked, error=str(problem), nhs_number=raw, status=400)
        found = visible_patients(request.user).filter(nhs_number=number).select_related("practice").first()
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.SEARCH,
                     what="fhirapi.consent_search", detail={"count": int(found is not None)})
        if found is None:
            return self._page(request, checked, nhs_number=raw, status=400,
                              error="No one with that NHS number is registered where you can see records")
        today = clock.today()
        person = {"pk": found.pk, "name": found.full_name, "nhs_number": format_nhs_number(found.nhs_number),
                  "born": found.date_of_birth, "age": _age(found.date_of_birth, today),
                  "practice": found.practice.name}
        return self._page(request, checked, person=person, nhs_number=raw)

    def _respond(self, request, scope, credentials, application, *, allow: bool):
        clean = {k: v for k, v in credentials.items() if k != "request"}
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=scope, credentials=clean, allow=allow)
        except OAuthToolkitError as error:
            redirect, details = self.error_response_details(error)
            if redirect:
                return self.redirect(details["url"], application)
            return self._refused(request, "The application's request could not be completed.")
        return self.redirect(uri, application)


def _fatal(error) -> bool:
    from oauth2_provider.exceptions import FatalClientError

    return isinstance(error, FatalClientError)


authorise = Authorise.as_view()
