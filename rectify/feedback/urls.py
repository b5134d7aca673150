from django.urls import path

from rectify.feedback import import_views, views

urlpatterns = [
    path("c/<slug:slug>/feedback/", views.feedback_list, name="feedback-list"),
    path("c/<slug:slug>/feedback/export/", views.feedback_export, name="feedback-export"),
    path("c/<slug:slug>/feedback/new/", views.feedback_entry, name="feedback-entry"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback-detail"),
    path("feedback/<int:pk>/triage/", views.feedback_triage, name="feedback-triage"),
    path("c/<slug:slug>/imports/", import_views.import_list, name="import-list"),
    path("c/<slug:slug>/imports/new/", import_views.import_upload, name="import-upload"),
    path("c/<slug:slug>/imports/columns/", import_views.import_map, name="import-map"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("imports/<int:pk>/run/", import_views.import_run, name="import-run"),
    path("imports/<int:pk>/undo/", import_views.import_undo, name="import-undo"),
    path("imports/<int:pk>/report/", import_views.import_report, name="import-report"),
]
