from django.urls import path

from rectify.api import views

urlpatterns = [
    path("account/tokens/", views.account_tokens, name="account-tokens"),
    path(
        "account/tokens/<int:pk>/revoke/",
        views.account_token_revoke,
        name="account-token-revoke",
    ),
]
