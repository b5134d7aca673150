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
    "milestone.update": _("changed a milestone"),
    "milestone.delete": _("removed a milestone"),
    "progress.create": _("reported progress"),
    "evidence.create": _("uploaded evidence"),
    "evidence.download": _("downloaded evidence"),
    **{f"measure.{t.name}": t.label for t in TRANSITIONS.values()},
    "calendar_day.create": _("declared a holiday or make-up workday"),
    "calendar_day.update": _("changed a holiday or make-up workday"),
    "calendar_day.delete": _("removed a holiday or make-up workday"),
    # The office's decisions beside the state machine (ledger/office).
    "measure.confirm": _("confirmed the closure"),
    "recheck.schedule": _("scheduled a re-check"),
    "recheck.done": _("recorded a re-check"),
    "extension.request": _("asked for an extension"),
    "extension.grant": _("granted the extension"),
    "extension.refuse": _("refused the extension"),
    "confirmation_rule.create": _("named a confirmer of closures"),
    "confirmation_rule.update": _("named another confirmer of closures"),
    "confirmation_rule.delete": _("removed a second-confirmation rule"),
    # Ledger spreadsheets (ledger/sheets): an edited export read back, an existing ledger moved in.
    "sheet_import.upload": _("uploaded a ledger spreadsheet"),
    "sheet_import.reimport": _("applied an edited ledger sheet"),
    "sheet_import.reimport_fail": _("could not apply an edited ledger sheet"),
    "sheet_import.options": _("chose how to read a ledger spreadsheet"),
    "sheet_import.migrate": _("moved an existing ledger in"),
    "sheet_import.migrate_fail": _("moving an existing ledger in broke off"),
    "measure.migrated": _("moved in the state recorded in an existing ledger"),
    "ledger.export": _("exported the ledger spreadsheet"),
}
KEYS = {
    "feedback_items": Key(_("feedback items"), counted=True),
    "cooperating_units": Key(_("cooperating units"), refers_to="orgs.OrgUnit"),
    # Applying an edited ledger sheet (ledger/sheets/reimport.py).
    "changes": Key(_("changes made")),
    "rows_changed": Key(_("measures changed")),
    "rows_refused": Key(_("rows refused")),
    "conflicts": Key(_("conflicts")),
}
# Shown collapsed in a timeline (one line per file, with how many times and by whom): every
# download is kept in the log, but a measure's history is not flooded by them.
COLLAPSED = {"evidence.download", "ledger.export"}
