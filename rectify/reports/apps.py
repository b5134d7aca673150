from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "rectify.reports"
    label = "reports"
