"""The ledger spreadsheet's pages: export, re-import, migration (one views module each)."""

from django.urls import path

from rectify.ledger.sheets.views import export, migration, reimport

urlpatterns = [
    path("c/<slug:slug>/ledger.xlsx", export.ledger_export, name="ledger-export"),
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
    path("c/<slug:slug>/ledger/migrate/", migration.upload, name="ledger-migrate"),
    path(
        "c/<slug:slug>/ledger/migrate/<int:pk>/",
        migration.mapping,
        name="ledger-migrate-mapping",
    ),
    path(
        "c/<slug:slug>/ledger/migrate/<int:pk>/units/",
        migration.units,
        name="ledger-migrate-units",
    ),
    path(
        "c/<slug:slug>/ledger/migrate/<int:pk>/confirm/",
        migration.confirm,
        name="ledger-migrate-confirm",
    ),
    path(
        "c/<slug:slug>/ledger/migrate/<int:pk>/report/",
        migration.report,
        name="ledger-migrate-report",
    ),
]
