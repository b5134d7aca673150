from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "rectify.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        from rectify.audit.timeline import Key, describe
        from rectify.supervision import log_labels

        describe(actions=log_labels.ACTIONS, keys={"number": Key(_("notice number"))})
