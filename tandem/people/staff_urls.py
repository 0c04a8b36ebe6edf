"""Staff pages about a person's carers and representatives and what is hidden from carers, under
/carers/ (tandem.people.views.staff). Each takes the patient's id and reads it through the practice."""

from django.urls import path

from .views import staff

app_name = "carers"

urlpatterns = [
    path("<id:patient_id>/", staff.person, name="person"),
    path("<id:patient_id>/new/", staff.new, name="new"),
    path("<id:patient_id>/hidden/", staff.hidden, name="hidden"),
    path("<id:patient_id>/hide/", staff.hide, name="hide"),
    path("<id:patient_id>/hidden/<id:hidden_id>/show/", staff.show, name="show"),
]
