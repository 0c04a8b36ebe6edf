"""Who a resource is, and who it refers to. Pure.

Identity (source_id) of a resource, most stable first:
1. its id, as "Type/id", or as the full URL when the fullUrl is an absolute URL ending
   in Type/id (this keeps the sending server's base, so two servers' "Observation/1"
   do not collide);
2. a business identifier, as "Type?identifier=system|value";
3. its fullUrl (e.g. urn:uuid:...);
4. a hash of its content.
A resource that becomes several rows (a blood-pressure panel) adds "#<concept>".
"""

from __future__ import annotations

import hashlib
import json

from .mappers.common import NHS_NUMBER_SYSTEMS

SOURCE_ID_LENGTH = 200


def identity(resource: dict, full_url: str) -> str:
    rtype = resource.get("resourceType", "")
    rid = resource.get("id")
    if isinstance(rid, str) and rid:
        local = f"{rtype}/{rid}"
        if full_url.startswith(("http://", "https://")) and full_url.rstrip("/").endswith("/" + local):
            found = full_url.rstrip("/")
        else:
            found = local
    else:
        found = ""
        for identifier in resource.get("identifier") or []:
            if isinstance(identifier, dict) and identifier.get("system") and identifier.get("value"):
                found = f"{rtype}?identifier={identifier['system']}|{identifier['value']}"
                break
        if not found and full_url:
            found = full_url
        if not found:
            digest = hashlib.sha256(json.dumps(resource, sort_keys=True).encode()).hexdigest()
            found = f"{rtype}#sha256:{digest[:40]}"
    return fit(found)


def fit(source_id: str) -> str:
    if len(source_id) <= SOURCE_ID_LENGTH:
        return source_id
    digest = hashlib.sha256(source_id.encode()).hexdigest()[:40]
    return f"{source_id[: SOURCE_ID_LENGTH - 42]}#{digest}"


def keys_of(resource: dict, full_url: str) -> set[str]:
    """The strings another resource may use to refer to this one."""
    keys = set()
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if isinstance(rid, str) and rid:
        keys.add(f"{rtype}/{rid}")
    if full_url:
        keys.add(full_url)
        tail = "/".join(full_url.rstrip("/").split("/")[-2:])
        if full_url.startswith(("http://", "https://")) and tail.startswith(f"{rtype}/"):
            keys.add(tail)
    return keys


def referenced_type(reference: str) -> str:
    """'Group' for 'Group/1' or 'http://x/fhir/Group/1'; '' when the form does not say."""
    if reference.startswith(("urn:", "#")):
        return ""
    path = reference.split("?")[0].rstrip("/").split("/")
    if "?" in reference:
        return path[-1]
    if len(path) >= 4 and path[-2] == "_history":
        path = path[:-2]
    if len(path) >= 2 and path[-2][:1].isupper():
        return path[-2]
    return ""


def conditional_nhs_number(reference: str) -> str:
    """The NHS number in 'Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018'."""
    if not reference.startswith("Patient?identifier="):
        return ""
    system, _, value = reference.removeprefix("Patient?identifier=").partition("|")
    return value if system in NHS_NUMBER_SYSTEMS else ""
