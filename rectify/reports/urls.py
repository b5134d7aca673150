from django.urls import path

from rectify.reports import views

urlpatterns = [
    path("c/<slug:slug>/", views.campaign_home, name="campaign-home"),
    path("c/<slug:slug>/subordinates/", views.subordinates, name="subordinates"),
]
