from django.urls import path

from rectify.supervision.views import actions, notices, scoreboard, units

urlpatterns = [
    path(
        "c/<slug:slug>/supervision/scoreboard/",
        scoreboard.scoreboard_page,
        name="supervision-scoreboard",
    ),
    path("c/<slug:slug>/units/<int:unit_id>/", units.unit_detail, name="unit-detail"),
    path("c/<slug:slug>/supervision/", actions.action_list, name="supervision-action-list"),
    path(
        "c/<slug:slug>/supervision/new/",
        actions.action_create,
        name="supervision-action-create",
    ),
    path(
        "c/<slug:slug>/supervision/<int:pk>/",
        actions.action_detail,
        name="supervision-action-detail",
    ),
    path(
        "c/<slug:slug>/supervision/<int:pk>/follow-up/",
        actions.follow_up_create,
        name="supervision-follow-up",
    ),
    path("c/<slug:slug>/notices/", notices.notice_list, name="notice-list"),
    path("c/<slug:slug>/notices/new/", notices.notice_create, name="notice-create"),
    path("c/<slug:slug>/notices/<int:pk>/", notices.notice_detail, name="notice-detail"),
    path(
        "c/<slug:slug>/notices/<int:pk>/docx/",
        notices.notice_docx_download,
        name="notice-docx",
    ),
]
