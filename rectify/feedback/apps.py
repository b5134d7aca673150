from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "rectify.feedback"
    label = "feedback"
