from django.urls import path

from rectify.feedback.public import views

urlpatterns = [
    path("p/<slug:slug>/", views.public_page, name="public-page"),
    path("p/<slug:slug>/status/", views.public_lookup, name="public-lookup"),
    path("p/<slug:slug>/status/<str:code>/", views.public_status, name="public-status"),
    path("c/<slug:slug>/public-page/", views.public_page_toggle, name="public-page-toggle"),
]
