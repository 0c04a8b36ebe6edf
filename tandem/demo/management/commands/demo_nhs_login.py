"""Run the demo's local stand-in for NHS login (tandem.demo.nhs_login) until stopped.

    tandem demo_nhs_login [--port 8010]

Writes its files under TANDEM_VAR_DIR/nhs_login/ and runs the provider with Node.js. Tandem finds it through
TANDEM_NHS_LOGIN_ISSUER=http://127.0.0.1:<port>, TANDEM_NHS_LOGIN_CLIENT_ID=tandem-demo and
TANDEM_NHS_LOGIN_KEY=<that folder>/client_private.pem, which scripts/serve-demo sets. Without Node.js or the
npm package (`make install` installs it) it says so and stops; the person's sign-in then says NHS login is
not working, and everything else carries on.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tandem.core.models import Practice
from tandem.demo import nhs_login


class Command(BaseCommand):
    help = "Run the demo's local stand-in for NHS login, listing demo people who can sign in."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8010)

    def handle(self, *args, port: int, **options):
        if settings.PRODUCTION:
            raise CommandError("The local stand-in for NHS login is for the demo only.")
        node = shutil.which("node")
        package = Path(settings.BASE_DIR) / "node_modules" / "oidc-provider" / "package.json"
        if node is None or not package.exists():
            self.stderr.write("The demo's NHS login needs Node.js and the npm package oidc-provider (make install); "
                              "people's own pages cannot be signed in to without it.")
            return
        practice = Practice.objects.order_by("pk").first()
        found = nhs_login.people(practice) if practice else []
        files = nhs_login.write_files(Path(settings.VAR_DIR) / "nhs_login", public_url=settings.TANDEM_PUBLIC_URL,
                                      found=found)
        self.stdout.write(f"The demo's NHS login is at http://127.0.0.1:{port}: {len(found)} demo people and a carer "
                          "can sign in at /my/sign-in/")
        self.stdout.flush()
        env = {**os.environ, "PORT": str(port), "CLIENT_FILE": str(files["client"]), "USERS_FILE": str(files["users"])}
        os.execve(node, [node, str(nhs_login.PROVIDER)], env)  # noqa: S606 - a fixed program, no shell
