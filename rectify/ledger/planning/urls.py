"""The office's planning pages: measures on a problem, milestones, bulk assignment."""

from django.urls import path

from rectify.ledger.planning import views

urlpatterns = [
    path(
        "c/<slug:slug>/problems/<int:number>/measures/new/",
        views.measure_create,
        name="measure-create",
    ),
    path("c/<slug:slug>/deadline-preview/", views.deadline_preview, name="deadline-preview"),
    path("c/<slug:slug>/problems/assign/", views.problem_assign, name="problem-assign"),
    path("measures/<int:pk>/milestones/", views.milestones, name="milestone-add"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone-done"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone-delete"),
]
