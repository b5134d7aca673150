from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "rectify.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from rectify.audit.timeline import describe
        from rectify.campaigns import log_labels

        describe(actions=log_labels.ACTIONS, keys=log_labels.KEYS)
