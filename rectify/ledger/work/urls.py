"""The responsible unit's pages: my tasks, progress with evidence, closure and extensions."""

from django.urls import path

from rectify.ledger.work import views

urlpatterns = [
    path("c/<slug:slug>/my-tasks/", views.my_tasks, name="my-tasks"),
]
