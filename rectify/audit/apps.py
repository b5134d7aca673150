from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "rectify.audit"
    label = "audit"
    verbose_name = _("Activity log")

    def ready(self):
        from rectify.audit import log_labels
        from rectify.audit.timeline import describe

        describe(actions=log_labels.ACTIONS)
