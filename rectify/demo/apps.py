from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Development only: `rectify demo` builds the demo campaign through the services."""

    name = "rectify.demo"
    label = "demo"
    verbose_name = _("Demo campaign")
