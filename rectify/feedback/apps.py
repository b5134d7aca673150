from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "rectify.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        from rectify.audit.timeline import describe
        from rectify.feedback import log_labels

        describe(actions=log_labels.ACTIONS, keys=log_labels.KEYS)
