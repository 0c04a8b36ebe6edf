"""`tandem fhir_client NAME --redirect-uri URI [--redirect-uri URI...] [--public]`: register an
application that may ask for access to the FHIR API (authorization code with PKCE). Prints its client
id and, for a confidential client, its secret (shown once: Tandem keeps only a hash of it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

MAX_NAME = 120


class Command(BaseCommand):
    help = "Register an application for the FHIR API (authorization code with PKCE)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the application's name, as staff will see it on the consent page")
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris",
                            help="where to send people back (repeat for several); exact match")
        parser.add_argument("--public", action="store_true",
                            help="a public client (an app on a device, without a secret); else confidential")

    def handle(self, *args, name: str, redirect_uris: list[str], public: bool, **options):
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise CommandError(f"The name must be 1 to {MAX_NAME} characters.")
        for uri in redirect_uris:
            if not uri.startswith(("https://", "http://")) or any(c.isspace() for c in uri) or len(uri) > 500:
                raise CommandError("Each redirect URI must be an absolute http(s) address without spaces.")
        Application = get_application_model()
        secret = "" if public else generate_client_secret()
        application = Application(
            name=name, redirect_uris=" ".join(redirect_uris),
            client_type=Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, client_secret=secret,
            algorithm="")
        try:
            application.full_clean(exclude=["user"])
        except Exception as problem:  # a redirect URI the toolkit refuses: its message says why
            raise CommandError(f"The application could not be registered: {problem}") from None
        application.save()
        self.stdout.write(f"Registered application {application.pk}.")
        self.stdout.write(f"client_id: {application.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret}")
            self.stdout.write("Keep the secret safe: it is not shown again.")
        else:
            self.stdout.write("Public client: no secret; it must use PKCE (S256).")
