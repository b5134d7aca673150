"""The ledger spreadsheet's pages: export, re-import, migration (one views module each)."""

from django.urls import path

from rectify.ledger.sheets.views import reimport

urlpatterns = [
    path("c/<slug:slug>/ledger/reimport/", reimport.reimport_upload, name="ledger-reimport"),
    path(
        "c/<slug:slug>/ledger/reimport/<int:pk>/",
        reimport.reimport_detail,
        name="ledger-reimport-detail",
    ),
    path(
        "c/<slug:slug>/ledger/reimport/<int:pk>/apply/",
        reimport.reimport_apply,
        name="ledger-reimport-apply",
    ),
]
