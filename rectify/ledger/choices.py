"""Choices of the ledger. States carry a label and a colour; every badge comes from here."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeasureState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Bootstrap colour names for badges.
MEASURE_STATE_COLORS = {
    MeasureState.DRAFT: "secondary",
    MeasureState.IN_PROGRESS: "primary",
    MeasureState.CLOSURE_REQUESTED: "info",
    MeasureState.RETURNED: "warning",
    MeasureState.CLOSED: "success",
    MeasureState.REOPENED: "danger",
}

# States in which the work is not finished (deadlines are watched).
OPEN_STATES = (
    MeasureState.DRAFT,
    MeasureState.IN_PROGRESS,
    MeasureState.CLOSURE_REQUESTED,
    MeasureState.RETURNED,
    MeasureState.REOPENED,
)


class ProblemState(models.TextChoices):
    """A problem's outcome, derived from its measures, never stored (see ledger/derived.py).

    Only RECTIFIED counts as 整改到位; the other outcomes are counted apart, never as rectified.
    """

    NO_MEASURE = "no_measure", _("No measure yet")
    IN_PROGRESS = "in_progress", _("Under rectification")
    RECTIFIED = "rectified", _("Rectified")
    PHASE_DONE = "phase_done", _("Largely done (phase achieved)")
    NOT_FEASIBLE = "not_feasible", _("Conditions for rectification not yet met")
    RELAPSED = "relapsed", _("Relapsed")


PROBLEM_STATE_COLORS = {
    ProblemState.NO_MEASURE: "secondary",
    ProblemState.IN_PROGRESS: "primary",
    ProblemState.RECTIFIED: "success",
    ProblemState.PHASE_DONE: "info",
    ProblemState.NOT_FEASIBLE: "dark",
    ProblemState.RELAPSED: "danger",
}


class Closure(models.TextChoices):
    """How a closed measure was closed (stored on the measure, set by the transitions)."""

    NONE = "", _("Not closed")
    RECTIFIED = "rectified", _("Rectified and verified")
    NOT_FEASIBLE = "not_feasible", _("Closed: conditions not yet met")


class DueStatus(models.TextChoices):
    """Derived from deadline and state, never stored."""

    NONE = "", _("On schedule")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


DUE_STATUS_COLORS = {
    DueStatus.NONE: "success",
    DueStatus.DUE_SOON: "warning",
    DueStatus.OVERDUE: "danger",
}


class Light(models.TextChoices):
    """The warning light (红黄绿灯) of an open measure, from its due status: what offices call
    on track, due soon and overdue. Closed measures have none."""

    GREEN = "green", pgettext_lazy("warning light", "Green")
    YELLOW = "yellow", pgettext_lazy("warning light", "Yellow")
    RED = "red", pgettext_lazy("warning light", "Red")


LIGHT_OF_DUE = {
    DueStatus.NONE: Light.GREEN,
    DueStatus.DUE_SOON: Light.YELLOW,
    DueStatus.OVERDUE: Light.RED,
}
LIGHT_COLORS = {Light.GREEN: "success", Light.YELLOW: "warning", Light.RED: "danger"}


class MeasureMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    PHASED = "phased", _("Phased")
    LONG_TERM = "long_term", _("Long-term")


class Source(models.TextChoices):
    GRASSROOTS = "grassroots", _("Grassroots feedback")
    WRITTEN = "written", _("Written consultation")
    STUDY = "study", _("Study research")
    INSPECTION = "inspection", _("Superior inspection feedback")
    AUDIT = "audit", _("Audit")
    SELF = "self", _("Self-inspection")


class Nature(models.TextChoices):
    THINKING = "thinking", _("Ideas and attitude")
    STYLE = "style", _("Work style")
    SYSTEM = "system", _("Rules and mechanisms")
    CAPACITY = "capacity", _("Capacity")
    SERVICE = "service", _("Service to the public")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


class VerificationDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted (closed)")
    RETURNED = "returned", _("Returned")
    NOT_FEASIBLE = "not_feasible", _("Closed: conditions not yet met")
    CONFIRMED = "confirmed", _("Closure confirmed")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the office")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", pgettext_lazy("extension request", "Refused")


class RecheckResult(models.TextChoices):
    """The outcome of a re-check (回头看) of a closed measure."""

    PENDING = "", _("Not yet checked")
    HELD = "held", _("Held: no relapse")
    RELAPSED = "relapsed", _("Relapsed: reopened")
