from django.urls import path

from rectify.consolidation import views

urlpatterns = [
    path("c/<slug:slug>/consolidation/", views.board, name="consolidation-board"),
    path("c/<slug:slug>/consolidation/regroup/", views.regroup, name="consolidation-regroup"),
    path("c/<slug:slug>/consolidation/merges/", views.merge_list, name="consolidation-merges"),
    path(
        "consolidation/runs/<int:pk>/progress/",
        views.run_progress,
        name="consolidation-run-progress",
    ),
    path("consolidation/groups/<int:pk>/", views.group_detail, name="consolidation-group"),
    path("consolidation/groups/<int:pk>/accept/", views.accept, name="consolidation-accept"),
    path("consolidation/groups/<int:pk>/split/", views.split, name="consolidation-split"),
    path("consolidation/groups/<int:pk>/move/", views.move, name="consolidation-move"),
    path(
        "consolidation/groups/<int:pk>/not-duplicate/",
        views.not_duplicate,
        name="consolidation-not-duplicate",
    ),
    path("consolidation/merges/<int:pk>/undo/", views.undo, name="consolidation-undo"),
    path(
        "consolidation/items/<int:pk>/set-aside/",
        views.set_aside,
        name="consolidation-set-aside",
    ),
    path("consolidation/items/<int:pk>/restore/", views.restore, name="consolidation-restore"),
]
