from django.urls import path

from rectify.ledger import views

urlpatterns = [
    path("c/<slug:slug>/problems/", views.problem_list, name="problem-list"),
    path("c/<slug:slug>/problems/<int:number>/", views.problem_detail, name="problem-detail"),
    path("measures/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure-edit"),
    path(
        "measures/<int:pk>/transition/<str:name>/",
        views.measure_transition,
        name="measure-transition",
    ),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
]
