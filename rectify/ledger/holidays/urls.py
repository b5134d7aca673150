from django.urls import path

from rectify.ledger.holidays import views

urlpatterns = [
    path("calendar/", views.calendar_overview, name="calendar"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar-year"),
    path("calendar/<int:year>/edit/", views.calendar_edit, name="calendar-edit"),
]
