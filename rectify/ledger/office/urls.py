"""The office's pages: to-do, verification, extension decisions, re-checks, confirmation rules."""

from django.urls import path

from rectify.ledger.office import views

urlpatterns = [
    path("c/<slug:slug>/todo/", views.todo, name="office-todo"),
    path("c/<slug:slug>/rechecks/", views.rechecks, name="rechecks"),
    path("c/<slug:slug>/confirmation-rules/", views.confirmation_rules, name="confirmation-rules"),
    path(
        "c/<slug:slug>/confirmation-rules/<int:pk>/delete/",
        views.confirmation_rule_delete,
        name="confirmation-rule-delete",
    ),
    path("measures/<int:pk>/verify/", views.verify, name="measure-verify"),
    path("measures/<int:pk>/recheck/", views.recheck_schedule, name="measure-recheck"),
    path("rechecks/<int:pk>/record/", views.recheck_record, name="recheck-record"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension-decide"),
]
