"""The account page for personal API tokens: list, create (shown once), revoke.

Issuing and revoking go through rectify/api/tokens.py, as `rectify token` does.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rectify.api import tokens
from rectify.api.models import ApiToken, TokenScope
from rectify.core.forms import style

MAX_DAYS = 3650


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “12345 hotline import”."),
        error_messages={"required": gettext_lazy("Name the token.")},
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
    )
    days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        initial=90,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


@login_required
@never_cache
def account_tokens(request):
    """The user's tokens and a form for a new one; a created token is shown on the answer only."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, plaintext = tokens.issue(
            request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
        )
        return render(request, "api/token_created.html", {"token": token, "plaintext": plaintext})
    context = {
        "form": form,
        "tokens": request.user.api_tokens.order_by("-created_at", "-id"),
        "now": timezone.now(),
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def account_token_revoke(request, pk):
    """Revoke one of the user's own tokens (another user's is 404)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke(token, actor=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("account-tokens")
