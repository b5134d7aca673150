from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsolidationConfig(AppConfig):
    name = "rectify.consolidation"
    label = "consolidation"
    verbose_name = _("Consolidation")

    def ready(self):
        from rectify.audit.timeline import describe
        from rectify.consolidation import log_labels

        describe(actions=log_labels.ACTIONS, keys=log_labels.KEYS)
