from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "rectify.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from rectify.api import log_labels
        from rectify.audit.timeline import describe

        describe(actions=log_labels.ACTIONS)
