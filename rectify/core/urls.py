from django.urls import path

from rectify.core import views

urlpatterns = [
    path("", views.home, name="home"),
]
