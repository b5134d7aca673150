from django.urls import path

from rectify.ledger.sheets.views import export

urlpatterns = [
    path("c/<slug:slug>/ledger.xlsx", export.ledger_export, name="ledger-export"),
]
