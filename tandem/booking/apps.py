from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "tandem.booking"
    label = "booking"
    verbose_name = "Booking: tests appointments and care planning conversations in clinic sessions"

    def ready(self) -> None:
        from tandem.clinics import hooks
        from tandem.core import home as home_page
        from tandem.prepare.views import public as reply

        from . import home, public, queries

        hooks.count_booked_with(queries.booked_counts)
        hooks.count_minutes_with(queries.taken_minutes)
        reply.offer_on_answer(public.answer_offer)  # "Book my appointments now" on the answer page
        home_page.provide_with(home.todays_clinic)  # today's clinic on the home page
