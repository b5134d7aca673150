"""The responsible unit's pages: my tasks, progress with evidence, closure and extensions."""

from django.urls import path

from rectify.ledger.work import views

urlpatterns = [
    path("c/<slug:slug>/my-tasks/", views.my_tasks, name="my-tasks"),
    path("measures/<int:pk>/progress/", views.measure_progress, name="measure-progress"),
    path(
        "measures/<int:pk>/request-closure/",
        views.measure_request_closure,
        name="measure-request-closure",
    ),
    path("measures/<int:pk>/extension/", views.measure_extension, name="measure-extension"),
    path(
        "measures/<int:pk>/phase-complete/",
        views.measure_phase_complete,
        name="measure-phase-complete",
    ),
]
