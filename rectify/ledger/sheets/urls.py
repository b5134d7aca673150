from django.urls import path

from rectify.ledger.sheets.views import migration

urlpatterns = [
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
