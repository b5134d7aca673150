from django.urls import path

from rectify.supervision.views import scoreboard, units

urlpatterns = [
    path(
        "c/<slug:slug>/supervision/scoreboard/",
        scoreboard.scoreboard_page,
        name="supervision-scoreboard",
    ),
    path("c/<slug:slug>/units/<int:unit_id>/", units.unit_detail, name="unit-detail"),
]
