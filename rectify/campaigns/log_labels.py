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
    "program.create": _("set up the special program"),
    "program.update": _("changed the special program"),
    "program.delete": _("deleted the special program"),
    "program.phase_add": _("added a phase"),
    "program.phase_update": _("changed a phase"),
    "program.phase_delete": _("deleted a phase"),
    "program.add": _("added problems or measures to the program"),
    "program.remove": _("took problems or measures out of the program"),
    "program.weight": _("set a measure's weight in the program"),
}
KEYS = {
    "problem_numbers": Key(_("problem numbers")),
    "measure_ids": Key(_("measures"), counted=True),
    "measure": Key(_("measure"), refers_to="ledger.Measure"),
    "phases": Key(_("phases")),
    "phase": Key(_("phase")),
    "weight": Key(_("weight")),
    "file": Key(_("file")),
    "sha256": Key(_("SHA-256")),
    "size": Key(_("size")),
}
