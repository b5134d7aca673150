"""How the activity log names what feedback intake and imports record (audit/timeline.py)."""

from django.utils.translation import gettext_lazy as _

from rectify.audit.timeline import Key

ACTIONS = {
    "feedback.create": _("recorded the item"),
    "feedback.triage": _("corrected the triage"),
    "feedback.set_aside": _("set the item aside (not a problem to merge)"),
    "feedback.restore": _("brought the item back to the board"),
    "feedback.import": _("imported a spreadsheet"),
    "feedback.import_undo": _("undid a spreadsheet import"),
    "feedback.mapping": _("saved the import's columns"),
    "campaign.public_intake": _("switched the public submission page"),
}
KEYS = {
    "source": Key(_("submitted from (address tag)")),
    "read": Key(_("rows read")),
    "imported": Key(_("imported")),
    "already_present": Key(_("already present")),
    "refused": Key(_("refused")),
    "sheet": Key(_("sheet")),
}
