from django.urls import path

from rectify.feedback.items import views

urlpatterns = [
    path("c/<slug:slug>/feedback/", views.feedback_list, name="feedback-list"),
    path("c/<slug:slug>/feedback/export/", views.feedback_export, name="feedback-export"),
    path("c/<slug:slug>/feedback/new/", views.feedback_entry, name="feedback-entry"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback-detail"),
    path("feedback/<int:pk>/triage/", views.feedback_triage, name="feedback-triage"),
]
