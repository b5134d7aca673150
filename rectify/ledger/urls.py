from django.urls import include, path

from rectify.ledger import views

urlpatterns = [
    path("c/<slug:slug>/problems/", views.problem_list, name="problem-list"),
    path("c/<slug:slug>/problems/new/", views.problem_create, name="problem-create"),
    path("c/<slug:slug>/problems/classify/", views.problem_classify, name="problem-classify"),
    path("c/<slug:slug>/problems/<int:number>/", views.problem_detail, name="problem-detail"),
    path("c/<slug:slug>/problems/<int:number>/edit/", views.problem_edit, name="problem-edit"),
    path(
        "c/<slug:slug>/problems/<int:number>/apply-suggestion/",
        views.problem_apply_suggestion,
        name="problem-apply-suggestion",
    ),
    path("c/<slug:slug>/lists/", views.problem_lists, name="problem-lists"),
    path("c/<slug:slug>/lists/<int:pk>/", views.problem_list_edit, name="problem-list-edit"),
    path("c/<slug:slug>/categories/", views.categories, name="categories"),
    path("c/<slug:slug>/categories/<int:pk>/", views.category_edit, name="category-edit"),
    path("measures/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure-edit"),
    path(
        "measures/<int:pk>/transition/<str:name>/",
        views.measure_transition,
        name="measure-transition",
    ),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("", include("rectify.ledger.work.urls")),
    path("", include("rectify.ledger.office.urls")),
    path("", include("rectify.ledger.planning.urls")),
    path("", include("rectify.ledger.sheets.urls")),
    path("evidence/<int:pk>/preview/", views.evidence_preview, name="evidence-preview"),
]
