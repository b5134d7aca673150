from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "rectify.ledger"
    label = "ledger"
