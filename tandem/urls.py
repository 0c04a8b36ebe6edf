from django.urls import include, path

from tandem.core import health
from tandem.patients.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.ready, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("", include("tandem.core.urls")),
    path("patients/", include("tandem.patients.urls")),
    path("import/", include("tandem.fhir.urls")),
    path("jobs/", include("tandem.jobs.urls")),
    path("registers/", include("tandem.registers.urls")),
    path("recall/", include("tandem.recall.urls")),
    path("clinics/", include("tandem.clinics.urls")),
    path("booking/", include("tandem.booking.urls")),
    path("results/", include("tandem.results.urls")),
    path("messages/", include("tandem.messaging.urls")),
    path("prepare/", include("tandem.prepare.urls")),
    path("care-plans/", include("tandem.careplans.urls")),
    path("privacy/", include("tandem.privacy.urls")),
    path("team/", include("tandem.team.urls")),
    path("continuity/", include("tandem.continuity.urls")),
    path("check-ins/", include("tandem.checkins.urls")),
    path("learn/", include("tandem.learn.urls")),
    path("surveys/", include("tandem.surveys.urls")),
    path("my/", include("tandem.people.urls")),
    path("fhir/", include("tandem.fhirapi.urls")),
    path("carers/", include("tandem.people.staff_urls")),
    path("care-team/", include("tandem.careteam.urls")),
    path("r/", include("tandem.prepare.public_urls")),
    path("r/", include("tandem.booking.public_urls")),
    path("r/", include("tandem.checkins.public_urls")),
    path("r/", include("tandem.careplans.public_urls")),
    path("r/", include("tandem.surveys.public_urls")),
]

handler400 = "tandem.core.views.bad_request"
handler403 = "tandem.core.views.forbidden"
handler404 = "tandem.core.views.not_found"
handler500 = "tandem.core.views.server_error"
