"""Benchmark: the FHIR API's read and search against a minimal Django view returning the same rows as
plain JSON, in the same run.

    .venv/bin/python bench/fhirapi.py [--patients 5000] [--requests 300] [--database bench_fhirapi] [--reuse] [--write-docs]

On PostgreSQL (the --database on 127.0.0.1, created here; --reuse keeps one already loaded) it loads a
practice of --patients synthetic patients, registers an application and gives a nurse a token
(user/*.rs). Then, in process through Django's whole middleware stack (the test client, no network),
--requests requests of each kind, after a few to warm up:

1. Patient read: GET /fhir/Patient/<id> (one person, mapped by the same mapper as the exports);
2. Observation search by patient, 50 a page: GET /fhir/Observation?patient=<id>&_count=50 (the person
   with the most results);
3. Observation search by code and date across the practice: GET /fhir/Observation?code=<system|code>&date=ge<day>
   (the commonest code; 50 a page);

and for each a plain view that reads the same rows (the same columns, the same order, the same page)
and returns them as JSON, with no token, no scoping, no mapping and no audit. Reported: requests per
second, CPU milliseconds per request (this process: Django, the mappers and the database driver) and
queries per request. --write-docs replaces the "## FHIR API" section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import time

from common import (
    analyze,
    ensure_practice,
    fresh_postgres_database,
    start_django,
    write_docs_section,
)

HEADING = "## FHIR API"

# --- A URLconf with Tandem's URLs and the plain views beside them ---------------------------------

urlpatterns: list = []
access_rules: dict = {}


def _plain_patient(request, pk: int):
    from django.http import JsonResponse

    from tandem.patients.models import Patient

    row = Patient.objects.filter(pk=pk).values("pk", "nhs_number", "given_name", "family_name", "date_of_birth",
                                               "sex", "practice__ods_code", "practice__name", "updated_at").first()
    return JsonResponse(row, json_dumps_params={"default": str})


def _plain_observations(request):
    from django.http import JsonResponse

    from tandem.patients.models import Observation

    qs = Observation.objects.all()
    if "patient" in request.GET:
        qs = qs.filter(patient_id=int(request.GET["patient"]))
    if "code" in request.GET:
        qs = qs.filter(code=request.GET["code"], effective_date__gte=request.GET["since"])
    rows = list(qs.order_by("pk").values("pk", "patient_id", "concept", "code_system", "code", "value", "unit",
                                         "value_code", "effective_date")[:50])
    return JsonResponse({"total": qs.count(), "rows": rows}, json_dumps_params={"default": str})


def _urls():
    from django.urls import include, path

    from tandem.core.rules import Access, Open

    urlpatterns[:] = [path("plain/patient/<int:pk>", _plain_patient, name="plain_patient"),
                      path("plain/observations", _plain_observations, name="plain_observations"),
                      path("", include("tandem.urls"))]
    access_rules.update({"plain_patient": Access(read=Open.PUBLIC, change=Open.PUBLIC),
                         "plain_observations": Access(read=Open.PUBLIC, change=Open.PUBLIC)})


def _token(practice) -> tuple[str, object]:
    """A nurse at the practice and an access token of theirs (as the token endpoint would have issued)."""
    import datetime as dt

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from tandem.core import actions
    from tandem.core.models import User
    from tandem.core.rules import Role

    nurse = User.objects.filter(username="bench-fhir-nurse").first() or actions.add_staff(
        practice=practice, username="bench-fhir-nurse", role=Role.NURSE, by=None)
    app = Application.objects.filter(name="Bench client").first() or Application.objects.create(
        name="Bench client", client_type=Application.CLIENT_PUBLIC, redirect_uris="https://bench.example/cb",
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, algorithm="")
    value = "bench-" + os.urandom(12).hex()
    AccessToken.objects.create(user=nurse, application=app, token=value, scope="user/*.rs",
                               expires=timezone.now() + dt.timedelta(hours=2))
    return value, nurse


def _measure(client, url: str, headers: dict, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as captured:
        client.get(url, **headers)
    queries = len(captured)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(runs):
        client.get(url, **headers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"per_second": runs / wall, "cpu_ms": 1000 * cpu / runs, "queries": queries}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", default="bench_fhirapi")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    os.environ["TANDEM_PUBLIC_RATE_PER_ADDRESS"] = "1000000/m"
    start_django(fresh_postgres_database(args.database, reuse=args.reuse))
    _urls()
    from django.db.models import Count
    from django.test import Client, override_settings

    from tandem.fhirapi.auth import id_codec
    from tandem.patients.models import Observation

    practice, _ = ensure_practice("F11001", args.patients, 11, print)
    analyze()
    token, _nurse = _token(practice)
    busiest = (Observation.objects.filter(practice=practice).values("patient_id").annotate(n=Count("pk"))
               .order_by("-n", "patient_id").first())
    common = (Observation.objects.filter(practice=practice).values("code_system", "code").annotate(n=Count("pk"))
              .order_by("-n").first())
    system = {"loinc": "http://loinc.org", "snomed": "http://snomed.info/sct"}[common["code_system"]]
    since = "2025-01-01"
    patient = busiest["patient_id"]
    fhir_patient = id_codec().encode("Patient", patient)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/fhir+json"}
    cases = [
        ("Patient read", f"/fhir/Patient/{fhir_patient}", f"/plain/patient/{patient}"),
        ("Observation search by patient, 50 a page", f"/fhir/Observation?patient={fhir_patient}&_count=50",
         f"/plain/observations?patient={patient}"),
        ("Observation search by code and date, 50 a page",
         f"/fhir/Observation?code={system}|{common['code']}&date=ge{since}&_count=50",
         f"/plain/observations?code={common['code']}&since={since}"),
    ]
    results = []
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        client = Client()
        for name, api_url, plain_url in cases:
            api = _measure(client, api_url, auth, args.requests)
            plain = _measure(client, plain_url, {}, args.requests)
            results.append((name, api, plain))
            print(name, api, plain)
    rows = "\n".join(
        f"| {name} | {api['per_second']:,.0f} | {api['cpu_ms']:.2f} | {api['queries']} | {plain['per_second']:,.0f} | "
        f"{plain['cpu_ms']:.2f} | {plain['queries']} | {plain['per_second'] / api['per_second']:.1f} |"
        for name, api, plain in results)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu_ratios = ", ".join(f"{api['cpu_ms'] / plain['cpu_ms']:.1f}" for _name, api, plain in results)
    section = f"""{HEADING}

`.venv/bin/python bench/fhirapi.py --patients {args.patients} --requests {args.requests}` on PostgreSQL:
a synthetic practice of {args.patients:,} patients; a nurse's token with `user/*.rs`. Each request goes
through Django's whole middleware stack in one process (the test client: no network, no gzip), one at a
time; {args.requests} of each after five to warm up. The plain view reads the same rows (same columns,
order and page) and returns them as JSON with no token, scoping, FHIR mapping or audit. CPU is this
process's (Django, the mappers, the database driver), not the database server's. The person searched
has {busiest['n']} results; the code searched is the practice's commonest ({common['code_system']}
{common['code']}, {common['n']:,} rows), from {since}. Measured on this machine ({os.cpu_count()} CPUs,
Python {platform.python_version()}); load average at the end {load}.

| Request | FHIR API req/s | CPU ms/req | Queries | Plain JSON req/s | CPU ms/req | Queries | Plain is faster by |
|---|---|---|---|---|---|---|---|
{rows}

The API's extra queries are the token (with its user and any person it is bound to), the count for
`total`, and the audit INSERT (one per request, a row per person on the page, committed with the
request: on PostgreSQL that commit is much of the wall-clock difference); its extra CPU is the token
check, the search parser, the FHIR mappers and the audit: {cpu_ratios} times the plain view's CPU.
The machine was shared with other work while this ran (the load average above), so requests per second
vary from run to run; CPU per request and queries are the steadier figures.
"""
    print(section)
    if args.write_docs:
        write_docs_section(HEADING, section)


if __name__ == "__main__":
    main()
