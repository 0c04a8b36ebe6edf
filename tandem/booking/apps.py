from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "tandem.booking"
    label = "booking"
    verbose_name = "Booking: tests appointments and care planning conversations in clinic sessions"

    def ready(self) -> None:
        from tandem.clinics import hooks

        from . import queries

        hooks.count_booked_with(queries.booked_counts)
