"""What the API says about itself, all made from tandem.fhirapi.rules.TYPES: the CapabilityStatement
(GET /fhir/metadata), the SMART configuration (GET /fhir/.well-known/smart-configuration) and an
OpenAPI 3 description (GET /fhir/openapi.json). Pure: no Django; the caller gives the addresses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import rules

SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SEARCH_TYPE_OF = {rules.Kind.TOKEN: "token", rules.Kind.DATE: "date", rules.Kind.REFERENCE: "reference"}
PUBLISHED = dt.date(2026, 12, 6)  # when this statement's content last changed


@dataclass(frozen=True)
class Endpoints:
    base: str  # https://host/fhir
    authorize: str
    token: str
    revoke: str
    issuer: str = ""  # the authorisation server's issuer (the site's address): the `iss` its redirects carry


def _date_note(param: rules.Param) -> str:
    return param.doc + ("" if param.kind is not rules.Kind.DATE else
                        ". Prefixes eq, lt, le, gt, ge; partial dates (2026, 2026-05)"
                        + ("; or an instant with a time zone" if param.instant else ""))


WRITE_NOTE = (" Update (PUT with If-Match: W/\"<versionId>\"; 412 when stale, 428 without): the organisation a "
              "referral is to answers it (status accepted, in-progress, completed with output[].valueString, "
              "rejected with statusReason.text); who added something to a plan withdraws it (cancelled). Create "
              "(POST): a care team member adds to a person's plan (intent proposal, code change, input kind and "
              "fields), for the named clinician to review. Scopes Task.c, Task.u, Task.cu.")


UK_CORE_NOTE = (f"{', '.join(rules.CLAIMED)} meet UK Core's profiles (meta.profile, supportedProfile); the other "
                "types base FHIR R4, UK Core's profiles of them being drafts or absent.")


def _uk_core(type_name: str) -> str:
    claimed = rules.CLAIMED.get(type_name)
    return "" if claimed is None else f" Meets {claimed.url.rsplit('/', 1)[1]} {claimed.version}."


def capability_statement(endpoints: Endpoints) -> dict:
    resources = []
    for rtype in rules.TYPES.values():
        resources.append({
            "type": rtype.name,
            # every resource of the type meets this profile: UK Core's where claimed (rules.CLAIMED), else R4's
            "profile": rules.profile_of(rtype.name),
            **({"supportedProfile": [rules.CLAIMED[rtype.name].url]} if rtype.name in rules.CLAIMED else {}),
            "documentation": rtype.doc + (". A search must name the person (patient, subject or _id) unless the token is for one person."
                                          if rtype.needs_patient else ".") + (WRITE_NOTE if rtype.name in rules.WRITABLE else "") + _uk_core(rtype.name),
            "interaction": [{"code": "read"}, {"code": "search-type"},
                            *([{"code": "update"}, {"code": "create"}] if rtype.name in rules.WRITABLE else [])],
            "versioning": "versioned-update" if rtype.name in rules.WRITABLE else "no-version",
            "readHistory": False,
            "updateCreate": False,
            "conditionalCreate": False,
            "conditionalRead": "not-supported",
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            "searchParam": [{"name": p.name, "type": SEARCH_TYPE_OF[p.kind], "documentation": _date_note(p)}
                            for p in rtype.params],
        })
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED.isoformat(),
        "publisher": "Tandem",
        "kind": "instance",
        "software": {"name": "Tandem"},
        "implementation": {"description": "Tandem FHIR API (read and search; Task answered and proposed)",
                           "url": endpoints.base},
        "fhirVersion": rules.FHIR_VERSION,
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": (
                "Read and search; a Task is also updated (its status, with If-Match) and created (an addition to a "
                f"care plan). Results in pages of _count (default {rules.DEFAULT_COUNT}, at most "
                f"{rules.MAX_COUNT}; 0 for the total alone) up to _offset {rules.MAX_OFFSET}, ordered as stored; follow the Bundle's "
                "next link. _lastUpdated is offered on every type but Goal and CareTeam (which are worked out "
                "from the plan and the care team as they are now). An unknown or malformed parameter is refused "
                "(400). " + UK_CORE_NOTE),
            "security": {
                "cors": False,
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "SMART-on-FHIR"}], "text": "OAuth 2.0 with SMART scopes"}],
                "description": ("Authorization code with PKCE (S256), for registered applications. Scopes "
                                "user/<Type>.rs, patient/<Type>.rs (and the SMART v1 .read forms), launch/patient."),
                "extension": [{"url": SMART_OAUTH_URIS, "extension": [
                    {"url": "authorize", "valueUri": endpoints.authorize},
                    {"url": "token", "valueUri": endpoints.token},
                    {"url": "revoke", "valueUri": endpoints.revoke},
                ]}],
            },
            "resource": resources,
            "interaction": [],
        }],
    }


def smart_configuration(endpoints: Endpoints) -> dict:
    return {
        "issuer": endpoints.issuer or endpoints.base,
        "authorization_endpoint": endpoints.authorize,
        "token_endpoint": endpoints.token,
        "revocation_endpoint": endpoints.revoke,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": sorted(rules.all_scopes()),
        "capabilities": ["launch-standalone", "client-public", "client-confidential-symmetric",
                         "context-standalone-patient", "permission-patient", "permission-user",
                         "permission-v1", "permission-v2"],
    }


# --- OpenAPI -------------------------------------------------------------------------------------

_RESOURCE = {"type": "object", "required": ["resourceType"],
             "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}}}
_OUTCOME = {"type": "object", "required": ["resourceType", "issue"],
            "properties": {"resourceType": {"type": "string", "enum": ["OperationOutcome"]},
                           "issue": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "required": ["severity", "code"],
                               "properties": {"severity": {"type": "string"}, "code": {"type": "string"},
                                              "diagnostics": {"type": "string"}}}}}}
_BUNDLE = {"type": "object", "required": ["resourceType", "type", "total", "link"],
           "properties": {"resourceType": {"type": "string", "enum": ["Bundle"]},
                          "type": {"type": "string", "enum": ["searchset"]},
                          "total": {"type": "integer", "minimum": 0},
                          "link": {"type": "array", "items": {"type": "object", "required": ["relation", "url"]}},
                          "entry": {"type": "array", "items": {
                              "type": "object", "required": ["fullUrl", "resource", "search"],
                              "properties": {"fullUrl": {"type": "string"},
                                             "resource": {"$ref": "#/components/schemas/Resource"},
                                             "search": {"type": "object", "required": ["mode"]}}}}}}
_TASK = {"type": "object", "required": ["resourceType"],
         "properties": {"resourceType": {"type": "string", "enum": ["Task"]}, "id": {"type": "string"},
                        "status": {"type": "string", "enum": ["requested", "accepted", "rejected", "in-progress",
                                                              "completed", "cancelled"]},
                        "intent": {"type": "string"}, "statusReason": {"type": "object"},
                        "for": {"type": "object"}, "code": {"type": "object"},
                        "input": {"type": "array", "items": {"type": "object"}},
                        "output": {"type": "array", "items": {"type": "object"}}}}
FHIR_JSON = "application/fhir+json"


def _content(ref: str) -> dict:
    return {FHIR_JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*codes: int) -> dict:
    words = {400: "The request is not one this server can answer", 401: "No valid access token",
             403: "The token's scopes do not allow this", 404: "No such resource, or not visible",
             406: "This server answers application/fhir+json only", 412: "The resource changed since it was read",
             413: "The resource is too large", 415: "Send application/fhir+json",
             422: "The change is not one that can be made", 428: "A change needs If-Match"}
    return {str(c): {"description": words[c], "content": _content("OperationOutcome")} for c in codes}


def _query_param(param: rules.Param) -> dict:
    schema: dict = {"type": "string", "maxLength": rules.MAX_VALUE}
    if param.kind is rules.Kind.DATE:
        schema["pattern"] = r"^(eq|lt|le|gt|ge)?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
    return {"name": param.name, "in": "query", "required": False, "description": _date_note(param),
            "schema": schema}


def openapi(endpoints: Endpoints) -> dict:
    paths: dict = {}
    paging = [
        {"name": "_count", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": rules.MAX_COUNT}},
        {"name": "_offset", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": rules.MAX_OFFSET}},
    ]
    for rtype in rules.TYPES.values():
        name = rtype.name
        params = [_query_param(p) for p in rtype.params] + paging
        paths[f"/{name}"] = {"get": {
            "operationId": f"search{name}", "summary": f"Search {name}: {rtype.doc}", "parameters": params,
            "responses": {"200": {"description": "A searchset Bundle", "content": _content("Bundle")},
                          **_errors(400, 401, 403, 406)}}}
        paths[f"/{name}/{{id}}"] = {"get": {
            "operationId": f"read{name}", "summary": f"Read one {name}",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9\\-\\.]{1,64}$"}}],
            "responses": {"200": {"description": f"The {name}", "content": _content("Resource")},
                          **_errors(401, 403, 404, 406)}}}
        if name in rules.WRITABLE:
            body = {"required": True, "content": {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/Task"}}}}
            paths[f"/{name}"]["post"] = {
                "operationId": f"create{name}", "summary": "Add to a person's care plan (a Task proposing the change)",
                "requestBody": body,
                "responses": {"201": {"description": "The Task made", "content": _content("Resource")},
                              **_errors(400, 401, 403, 404, 406, 413, 415, 422)}}
            paths[f"/{name}/{{id}}"]["put"] = {
                "operationId": f"update{name}", "summary": "Answer a referral, or withdraw an addition (status)",
                "parameters": [paths[f"/{name}/{{id}}"]["get"]["parameters"][0],
                               {"name": "If-Match", "in": "header", "required": True,
                                "schema": {"type": "string", "pattern": '^W/"[0-9]{1,9}"$'}}],
                "requestBody": body,
                "responses": {"200": {"description": "The Task as it is now", "content": _content("Resource")},
                              **_errors(400, 401, 403, 404, 406, 412, 413, 415, 422, 428)}}
    paths["/metadata"] = {"get": {"operationId": "capabilities", "summary": "The CapabilityStatement",
                                  "security": [],
                                  "responses": {"200": {"description": "CapabilityStatement",
                                                        "content": _content("Resource")}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Tandem FHIR API", "version": rules.FHIR_VERSION,
                 "description": "FHIR R4 read and search; made from the same table as /fhir/metadata."},
        "servers": [{"url": endpoints.base}],
        "security": [{"smart": []}],
        "paths": paths,
        "components": {
            "schemas": {"Resource": _RESOURCE, "Bundle": _BUNDLE, "OperationOutcome": _OUTCOME, "Task": _TASK},
            "securitySchemes": {"smart": {"type": "oauth2", "flows": {"authorizationCode": {
                "authorizationUrl": endpoints.authorize, "tokenUrl": endpoints.token,
                "refreshUrl": endpoints.token, "scopes": rules.all_scopes()}}}},
        },
    }
