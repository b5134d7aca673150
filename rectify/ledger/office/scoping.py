"""Who may use the office's pages: the to-do list, the verification page, extension decisions,
re-checks and the second-confirmation rules.

Built on orgs/access.py and ledger/scoping.py, in their manner: someone who cannot see a thing
gets a 404, someone who sees it but may not act on it a 403.

- the office (整改办): every page here, for every measure of the campaign;
- the person a ConfirmationRule names (the confirmer): the to-do list (their group), and the
  verification page of a closure waiting for their confirmation, even when their own role would
  not show them the measure otherwise;
- unit liaisons: the re-check list of their own units' measures, read-only;
- nobody else.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign
from rectify.ledger import states
from rectify.ledger.models import ConfirmationRule, ExtensionRequest, Measure, Recheck
from rectify.ledger.scoping import scope_measures
from rectify.orgs.access import access


def can_verify(user, campaign: Campaign) -> bool:
    """Verifying closures, deciding extension requests and scheduling and recording re-checks
    (回头看) are the office's (整改办)."""
    return access(user, campaign).is_office


def is_confirmer_in(user, campaign: Campaign) -> bool:
    """Does a second-confirmation rule of the campaign name this person?"""
    return (
        getattr(user, "pk", None) is not None
        and ConfirmationRule.objects.filter(campaign=campaign, confirmer=user).exists()
    )


def may_see_todo(user, campaign: Campaign) -> bool:
    """The office, and a person named to confirm closures (for their group)."""
    return can_verify(user, campaign) or is_confirmer_in(user, campaign)


def may_see_rechecks(user, campaign: Campaign) -> bool:
    """Whoever reads the campaign's measures: the office, leaders, supervisors, work groups and
    viewers (all of them) and unit liaisons (their own measures')."""
    return bool(access(user, campaign).roles)


def scope_rechecks(user, campaign: Campaign) -> QuerySet[Recheck]:
    """Re-checks (回头看) of the measures the reader may see (ledger/scoping.scope_measures):
    all for campaign-wide readers, those of their units' measures for a liaison."""
    return Recheck.objects.filter(
        measure__campaign=campaign, measure__in=scope_measures(user, campaign).values("pk")
    )


def may_decide(user, measure: Measure) -> bool:
    """Whether the verification page is for this user: the office, or the confirmer of a
    closure waiting for them."""
    if can_verify(user, measure.campaign):
        return True
    return measure.awaiting_confirmation and states.is_confirmer(user, measure)


def get_measure_for_verifier(user, pk: int) -> Measure:
    """The measure for its verification page: 404 when the user cannot see it, 403 when they
    see it but neither verify (the office) nor confirm (the confirmer of a waiting closure)."""
    measure = (
        Measure.objects.select_related("campaign", "problem", "responsible_unit")
        .filter(pk=pk)
        .first()
    )
    if measure is None:
        raise Http404("measure")
    if may_decide(user, measure):
        return measure
    if not scope_measures(user, measure.campaign).filter(pk=pk).exists():
        raise Http404("measure")
    raise PermissionDenied


def get_extension_for_office(user, pk: int) -> ExtensionRequest:
    """An extension request for the office to decide: 404 when its measure is not visible,
    403 when visible to someone who is not the office (the unit that asked)."""
    extension = (
        ExtensionRequest.objects.select_related(
            "measure__campaign", "measure__problem", "measure__responsible_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if extension is None:
        raise Http404("extension")
    campaign = extension.measure.campaign
    if can_verify(user, campaign):
        return extension
    if not scope_measures(user, campaign).filter(pk=extension.measure_id).exists():
        raise Http404("extension")
    raise PermissionDenied


def get_recheck_for_office(user, pk: int) -> Recheck:
    """A re-check for the office to record: 404 when not visible, 403 for a unit that sees it."""
    recheck = (
        Recheck.objects.select_related(
            "measure__campaign", "measure__problem", "measure__responsible_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if recheck is None:
        raise Http404("recheck")
    campaign = recheck.measure.campaign
    if can_verify(user, campaign):
        return recheck
    if not scope_rechecks(user, campaign).filter(pk=pk).exists():
        raise Http404("recheck")
    raise PermissionDenied
