from django.urls import path

from rectify.campaigns.programs import views

urlpatterns = [
    path("c/<slug:slug>/programs/", views.program_list, name="program-list"),
    path("c/<slug:slug>/programs/new/", views.program_create, name="program-create"),
    path("c/<slug:slug>/roadmap/", views.roadmap_view, name="roadmap"),
    path("programs/<int:pk>/", views.program_detail, name="program-detail"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program-edit"),
    path("programs/<int:pk>/delete/", views.program_delete, name="program-delete"),
    path("programs/<int:pk>/add/", views.program_add, name="program-add"),
    path("programs/<int:pk>/remove/", views.program_remove, name="program-remove"),
    path("programs/<int:pk>/weight/", views.program_weight, name="program-weight"),
]
