from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "rectify.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        from rectify.audit.timeline import describe
        from rectify.ledger import log_labels

        describe(actions=log_labels.ACTIONS, keys=log_labels.KEYS, collapsed=log_labels.COLLAPSED)
