"""How the activity log names what work groups and activities record (audit/timeline.py)."""

from django.utils.translation import gettext_lazy as _

from rectify.audit.timeline import Key

ACTIONS = {
    "campaign.update": _("changed the campaign's settings"),
    "workgroup.create": _("set up the work group"),
    "workgroup.update": _("changed the work group"),
    "activity.create": _("recorded the activity"),
    "activity.update": _("corrected the activity"),
    "activity.attach": _("attached a file"),
}
KEYS = {
    "file": Key(_("file")),
    "sha256": Key(_("SHA-256")),
    "size": Key(_("size")),
}
