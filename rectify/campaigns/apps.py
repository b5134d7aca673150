from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "rectify.campaigns"
    label = "campaigns"
