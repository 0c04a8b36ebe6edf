"""The WSGI application that gunicorn serves (`tandem/gunicorn_conf.py`, ADR 12)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
application = get_wsgi_application()
