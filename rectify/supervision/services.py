"""Every write to supervision actions has its home here (the demo builder writes the same log).

Each function checks the actor's role, writes the row and the activity log in one transaction.
Input is validated at the edge; these raise only domain errors.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.core.errors import DomainError, PermissionRefused
from rectify.supervision.models import SupervisionAction
from rectify.supervision.scoping import can_supervise_unit


@transaction.atomic
def record_action(
    campaign,
    *,
    actor,
    kind: str,
    target_unit,
    content: str,
    measure=None,
    problem=None,
    outcome: str = "",
    happened_at=None,
) -> SupervisionAction:
    """Log a reminder, inspection, on-site visit, talk or escalation about `target_unit`.

    The office may supervise any unit, a supervisor the units of their subtree. A measure names
    its problem when none is given.
    """
    if not can_supervise_unit(actor, campaign, target_unit):
        raise PermissionRefused(
            _("Only the campaign office or a supervisor of this unit may record supervision.")
        )
    for obj in (measure, problem):
        if obj is not None and obj.campaign_id != campaign.pk:
            raise PermissionRefused(_("That measure or problem belongs to another campaign."))
    if measure is not None and problem is None:
        problem = measure.problem
    if measure is not None and measure.problem_id != problem.pk:
        raise DomainError(_("That measure belongs to another problem."), code="mismatch")
    action = SupervisionAction.objects.create(
        campaign=campaign,
        kind=kind,
        target_unit=target_unit,
        measure=measure,
        problem=problem,
        actor=actor if actor.is_authenticated else None,
        happened_at=happened_at or timezone.now(),
        content=content,
        outcome=outcome,
    )
    record(
        action,
        "supervision.create",
        actor=actor,
        after=snapshot(action, ["kind", "target_unit", "measure", "content"]),
    )
    return action
