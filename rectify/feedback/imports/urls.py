from django.urls import path

from rectify.feedback.imports import views

urlpatterns = [
    path("c/<slug:slug>/imports/", views.import_list, name="import-list"),
    path("c/<slug:slug>/imports/new/", views.import_upload, name="import-upload"),
    path("c/<slug:slug>/imports/columns/", views.import_map, name="import-map"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/run/", views.import_run, name="import-run"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import-undo"),
    path("imports/<int:pk>/report/", views.import_report, name="import-report"),
]
