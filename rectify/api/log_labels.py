"""How the activity log names what the API records (audit/timeline.py)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "token.create": _("issued an API token"),
    "token.revoke": _("revoked an API token"),
}
