"""The office's pages: to-do, verification, extension decisions, re-checks."""

from django.urls import path

from rectify.ledger.office import views

urlpatterns = [
    path("c/<slug:slug>/todo/", views.todo, name="office-todo"),
]
