"""The Learn pages at /learn/: each view module's own urlpatterns, joined here."""

from . import views_changes, views_export, views_funnel, views_group, views_outcomes, views_spc

app_name = "learn"

urlpatterns = [*views_funnel.urlpatterns, *views_outcomes.urlpatterns, *views_changes.urlpatterns, *views_spc.urlpatterns,
               *views_group.urlpatterns, *views_export.urlpatterns]
