"""A FHIR R4 REST API (read and search) for other providers, behind OAuth 2.0 with SMART scopes.
See README.md in this folder and docs/adr/0017-fhir-api.md."""
