"""How the activity log names what the ledger records (audit/timeline.py shows it)."""

from django.utils.translation import gettext_lazy as _

from rectify.audit.timeline import Key
from rectify.ledger.states import TRANSITIONS

ACTIONS = {
    "problem.create": _("created the problem"),
    "problem.update": _("edited the problem"),
    "problem.lists": _("changed the problem's lists"),
    "problem.merge": _("merged feedback items into the problem"),
    "problem.classify": _("classified the problem (several at once)"),
    "problem.unmerge": _("undid a merge into the problem"),
    "problem.delete": _("deleted the problem (created by a merge that was undone)"),
    "problem_list.create": _("created the problem list"),
    "problem_list.update": _("changed the problem list"),
    "category.create": _("created the category"),
    "category.update": _("changed the category"),
    "measure.create": _("created the measure"),
    "measure.update": _("edited the measure"),
    "measure.phase_complete": _("marked the phase complete"),
    "milestone.create": _("added a milestone"),
    "milestone.done": _("completed a milestone"),
    "progress.create": _("reported progress"),
    "evidence.create": _("uploaded evidence"),
    "confirmation_rule.create": _("asked for a second confirmation of closures"),
    "confirmation_rule.delete": _("stopped asking for a second confirmation of closures"),
    **{f"measure.{t.name}": t.label for t in TRANSITIONS.values()},
}
KEYS = {
    "feedback_items": Key(_("feedback items"), counted=True),
}
