from django.urls import path

from rectify.campaigns import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/settings/", views.campaign_settings, name="campaign-settings"),
    path("c/<slug:slug>/work-groups/", views.work_group_list, name="work-group-list"),
    path("c/<slug:slug>/work-groups/new/", views.work_group_create, name="work-group-create"),
    path("work-groups/<int:pk>/edit/", views.work_group_edit, name="work-group-edit"),
    path("c/<slug:slug>/coverage/", views.coverage_view, name="coverage"),
    path("c/<slug:slug>/activities/", views.activity_list, name="activity-list"),
    path("c/<slug:slug>/activities/new/", views.activity_create, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path(
        "activities/<int:pk>/attachments/",
        views.attachment_upload,
        name="activity-attachment-upload",
    ),
    path(
        "activity-attachments/<int:pk>/",
        views.attachment_download,
        name="activity-attachment-download",
    ),
]
