"""How the activity log names what supervision records (audit/timeline.py)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "supervision.create": _("recorded a supervision action"),
    "supervision.notice": _("issued a supervision notice"),
    "supervision.follow_up": _("added a follow-up measure"),
}
