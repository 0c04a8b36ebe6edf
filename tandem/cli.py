"""The `tandem` command: Django's management commands under one name.

    tandem migrate
    tandem synth --patients 5000 --seed 1
    tandem import-fhir bundle.json more.ndjson
    tandem serve [addr:port]     Django's development server, for developers (auto-reload, DEBUG);
                                 `make demo` and deployments serve with gunicorn (ADR 12)
"""

from __future__ import annotations

import os
import sys

ALIASES = {"serve": "runserver", "import-fhir": "import_fhir", "demo-setup": "demo_setup"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1].replace("-", "_") if argv[1] not in ("--help", "-h") else argv[1])
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
