from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rectify.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("rectify.reports.urls")),
    path("", include("rectify.ledger.urls")),
    path("", include("rectify.ledger.holidays.urls")),
    path("", include("rectify.api.urls")),
    path("", include("rectify.campaigns.urls")),
    path("", include("rectify.feedback.items.urls")),
    path("", include("rectify.feedback.imports.urls")),
    path("", include("rectify.consolidation.urls")),
    path("", include("rectify.supervision.urls")),
    path("", include("rectify.feedback.public.urls")),
]
