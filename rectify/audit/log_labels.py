"""How the activity log names the changes made in the admin (audit/timeline.py)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "admin.add": _("added in the admin"),
    "admin.change": _("changed in the admin"),
    "admin.delete": _("deleted in the admin"),
}
