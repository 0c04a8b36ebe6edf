from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "tandem.booking"
    label = "booking"
    verbose_name = "Booking: tests appointments and care planning conversations in clinic sessions"
