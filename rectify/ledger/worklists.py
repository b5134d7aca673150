"""Who has to do what now: the unit's task list (我的任务) and the office's to-do list (待办).

The groups are rules over the records, not stored: a measure moves between them as its state,
deadline and re-checks change. The pages, the navigation's counts and the API read them here.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Func, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from rectify.ledger import derived
from rectify.ledger.choices import (
    OPEN_STATES,
    ExtensionStatus,
    MeasureState,
    RecheckResult,
    VerificationDecision,
)
from rectify.ledger.models import (
    ConfirmationRule,
    ExtensionRequest,
    Measure,
    Recheck,
    Verification,
)
from rectify.ledger.scoping import scope_measures
from rectify.orgs.access import access, unit_q
from rectify.orgs.choices import Role

S = MeasureState


@dataclass
class Group:
    key: str
    label: str
    items: list = field(default_factory=list)
    # Whether the group needs the reader to act (counted in the navigation).
    urgent: bool = True

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass
class Worklist:
    groups: list[Group]

    @property
    def attention(self) -> int:
        """What the navigation's badge shows: the items that need acting on."""
        return sum(g.count for g in self.groups if g.urgent)

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)


def unit_measures(user, campaign) -> QuerySet[Measure]:
    """The measures the user answers for as a unit liaison (their subtree's), nothing else."""
    acc = access(user, campaign)
    if not acc.has(Role.LIAISON):
        return Measure.objects.none()
    paths = acc.paths(Role.LIAISON)
    qs = Measure.objects.filter(campaign=campaign)
    return qs if paths is None else qs.filter(unit_q(paths, "responsible_unit"))


def is_unit_worker(user, campaign) -> bool:
    return access(user, campaign).has(Role.LIAISON)


def _with_details(qs: QuerySet, campaign, on: dt.date) -> QuerySet:
    returns = Verification.objects.filter(decision=VerificationDecision.RETURNED).order_by(
        "-decided_at", "-id"
    )
    return (
        derived.annotate_due_status(qs, campaign, on)
        .select_related("problem", "responsible_unit", "campaign")
        .prefetch_related(Prefetch("verifications", queryset=returns, to_attr="returns"))
        .order_by("deadline", "problem__number", "pk")
    )


def my_tasks(user, campaign, on: dt.date | None = None) -> Worklist:
    """The unit's measures, each in the first group it fits: returned to us (with the office's
    reasons), overdue, due soon, under way (draft ones to start too), waiting for verification;
    and the closed ones whose re-check (回头看) is due within the due-soon window."""
    on = on or derived.today()
    cutoff = derived.due_soon_cutoff(campaign, on)
    groups = [
        Group("returned", _("Returned to us")),
        Group("overdue", _("Overdue")),
        Group("due_soon", _("Due soon")),
        Group("under_way", _("Under way"), urgent=False),
        Group("waiting", _("Waiting for verification"), urgent=False),
        Group("recheck", _("To re-check")),
    ]
    by_key = {g.key: g for g in groups}
    mine = unit_measures(user, campaign)
    for m in _with_details(mine.filter(state__in=OPEN_STATES), campaign, on):
        if m.state == S.CLOSURE_REQUESTED:
            by_key["waiting"].items.append(m)
        elif m.state == S.RETURNED:
            by_key["returned"].items.append(m)
        elif m.deadline is not None and m.deadline < on:
            by_key["overdue"].items.append(m)
        elif m.deadline is not None and m.deadline <= cutoff:
            by_key["due_soon"].items.append(m)
        else:
            by_key["under_way"].items.append(m)
    by_key["recheck"].items = list(
        _rechecks(campaign, on=cutoff).filter(measure__in=mine.values("pk"))
    )
    return Worklist(groups)


def _rechecks(campaign, *, on: dt.date) -> QuerySet[Recheck]:
    return (
        Recheck.objects.filter(
            measure__campaign=campaign, result=RecheckResult.PENDING, due_on__lte=on
        )
        .select_related("measure__problem", "measure__responsible_unit")
        .order_by("due_on", "pk")
    )


def office_todo(user, campaign, on: dt.date | None = None) -> Worklist:
    """The office's to-do: closure requests to verify, extension requests to decide, re-checks
    due; for the person named to confirm closures, the closures waiting for them."""
    on = on or derived.today()
    acc = access(user, campaign)
    groups = [
        Group("closure", _("Closure requests to verify")),
        Group("extension", _("Extension requests")),
        Group("recheck", _("Re-checks due")),
        Group("confirm", _("Closures to confirm")),
    ]
    by_key = {g.key: g for g in groups}
    if acc.is_office:
        visible = scope_measures(user, campaign)
        by_key["closure"].items = list(
            _with_details(visible.filter(state=S.CLOSURE_REQUESTED), campaign, on).prefetch_related(
                "closure_requests"
            )
        )
        by_key["extension"].items = list(
            ExtensionRequest.objects.filter(
                measure__in=visible.values("pk"), status=ExtensionStatus.PENDING
            )
            .select_related("measure__problem", "measure__responsible_unit", "requested_by")
            .order_by("requested_at", "pk")
        )
        by_key["recheck"].items = list(_rechecks(campaign, on=on))
    if getattr(user, "pk", None) is not None:
        sources = ConfirmationRule.objects.filter(campaign=campaign, confirmer=user).values(
            "source"
        )
        by_key["confirm"].items = list(
            _with_details(
                Measure.objects.filter(
                    Q(campaign=campaign, awaiting_confirmation=True, state=S.CLOSED),
                    problem__source__in=sources,
                ),
                campaign,
                on,
            )
        )
    return Worklist(groups)


def _n(qs: QuerySet):
    """A correlated count usable as an annotation (one SQL query for several counts)."""
    counted = qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


def attention_counts(user, campaign, on: dt.date | None = None) -> dict:
    """The navigation's badges in one query: `tasks` (the unit's items needing action, as
    my_tasks().attention counts them) and `todo` (the office's, as office_todo().attention);
    None where the reader holds no such role."""
    from rectify.campaigns.models import Campaign

    on = on or derived.today()
    acc = access(user, campaign)
    counts: dict = {"tasks": None, "todo": None}
    annotations = {}
    if acc.has(Role.LIAISON):
        cutoff = derived.due_soon_cutoff(campaign, on)
        mine = unit_measures(user, campaign)
        working = mine.filter(state__in=OPEN_STATES).exclude(
            state__in=(S.CLOSURE_REQUESTED, S.RETURNED)
        )
        annotations["returned"] = _n(mine.filter(state=S.RETURNED))
        annotations["late"] = _n(working.filter(deadline__lte=cutoff))
        annotations["unit_rechecks"] = _n(
            Recheck.objects.filter(
                measure__in=mine.values("pk"), result=RecheckResult.PENDING, due_on__lte=cutoff
            )
        )
    if acc.is_office:
        visible = scope_measures(user, campaign)
        annotations["closure"] = _n(visible.filter(state=S.CLOSURE_REQUESTED))
        annotations["extension"] = _n(
            ExtensionRequest.objects.filter(
                measure__in=visible.values("pk"), status=ExtensionStatus.PENDING
            )
        )
        annotations["office_rechecks"] = _n(
            Recheck.objects.filter(
                measure__campaign=campaign, result=RecheckResult.PENDING, due_on__lte=on
            )
        )
    if getattr(user, "pk", None) is not None:
        sources = ConfirmationRule.objects.filter(campaign=campaign, confirmer=user).values(
            "source"
        )
        annotations["confirm"] = _n(
            Measure.objects.filter(
                campaign=campaign,
                awaiting_confirmation=True,
                state=S.CLOSED,
                problem__source__in=sources,
            )
        )
    if not annotations:
        return counts
    row = Campaign.objects.filter(pk=campaign.pk).annotate(**annotations).values(*annotations)[0]
    if acc.has(Role.LIAISON):
        counts["tasks"] = row["returned"] + row["late"] + row["unit_rechecks"]
    if acc.is_office or row.get("confirm"):
        counts["todo"] = (
            row.get("closure", 0)
            + row.get("extension", 0)
            + row.get("office_rechecks", 0)
            + row.get("confirm", 0)
        )
    return counts
