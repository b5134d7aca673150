"""WSGI entry point (gunicorn rectify.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
application = get_wsgi_application()
