from .views import fhir, services, tasks, workspace, written

app_name = "careplans"

urlpatterns = [*workspace.urlpatterns, *written.urlpatterns, *services.urlpatterns, *tasks.urlpatterns,
               *fhir.urlpatterns]
