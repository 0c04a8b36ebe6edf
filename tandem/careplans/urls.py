from .views import fhir, services, workspace, written

app_name = "careplans"

urlpatterns = [*workspace.urlpatterns, *written.urlpatterns, *services.urlpatterns, *fhir.urlpatterns]
