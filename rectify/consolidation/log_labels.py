"""How the activity log names what the consolidation board records (audit/timeline.py)."""

from django.utils.translation import gettext_lazy as _

from rectify.audit.timeline import Key

ACTIONS = {
    "consolidation.regroup": _("regrouped the feedback"),
    "consolidation.move": _("moved an item to another group"),
    "consolidation.split": _("split a group"),
    "consolidation.not_duplicate": _("marked items as not duplicates"),
}
KEYS = {
    "group": Key(_("suggested group")),
    "new_groups": Key(_("new groups")),
    "other_items": Key(_("other items"), counted=True),
    "marks": Key(_("marks")),
}
