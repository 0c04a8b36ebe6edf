"""/fhir/: the FHIR R4 API (read and search), what it says about itself, and its OAuth 2.0 endpoints
under /fhir/auth/ (django-oauth-toolkit's token and revocation views, and Tandem's consent page)."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views

from tandem.core.ratelimits import limited

from . import consent, views

app_name = "fhirapi"

# A type or an id that is not one is answered by the view (404, an OperationOutcome), never by an HTML page.
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path(".well-known/smart-configuration", views.smart_configuration, name="smart_configuration"),
    path("openapi.json", views.openapi, name="openapi"),
    path("auth/authorize", consent.authorise, name="authorize"),
    path("auth/token", limited(csrf_exempt(oauth_views.TokenView.as_view()), group="fhirauth"), name="token"),
    path("auth/revoke", limited(csrf_exempt(oauth_views.RevokeTokenView.as_view()), group="fhirauth"),
         name="revoke"),
    path("<str:type_name>/_search", views.search_post, name="search_post"),
    path("<str:type_name>/<str:ident>", views.read, name="read"),
    path("<str:type_name>", views.search, name="search"),
    re_path(r"^.*$", views.unknown, name="unknown"),  # anything else: an OperationOutcome, not an HTML page
]
