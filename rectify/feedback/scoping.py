"""Who may see raw feedback and spreadsheet imports, who submitted an item, and who may triage
and import.

Built on orgs/access.py. Raw feedback carries submitters' names and contacts: liaisons never
see raw feedback, and only the office sees who submitted it (can_see_submitter).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign
from rectify.campaigns.scoping import get_campaign_for_user, heard_q
from rectify.feedback.models import FeedbackItem, ImportBatch
from rectify.orgs.access import access
from rectify.orgs.choices import Role


def scope_feedback(user, campaign: Campaign) -> QuerySet[FeedbackItem]:
    """Raw feedback: office, leaders, supervisors, viewers and work groups; never liaisons.

    Leaders, supervisors and viewers limited to a unit see the items about that subtree.
    Work-group members see what their groups collected plus items about their assigned regions
    and units.
    """
    q = heard_q(user, campaign)
    qs = FeedbackItem.objects.filter(campaign=campaign)
    return qs if q is None else qs.filter(q)


def get_feedback_for_user(user, pk: int) -> FeedbackItem:
    """The feedback item if scope_feedback lets the user see it, else 404."""
    item = FeedbackItem.objects.select_related("campaign").filter(pk=pk).first()
    if item is None or not scope_feedback(user, item.campaign).filter(pk=pk).exists():
        raise Http404("feedback")
    return item


def can_see_submitter(user, campaign: Campaign) -> bool:
    """Who submitted an item and how to reach them (name and contact, and the receipt code that
    follows it): the campaign office only, as the public page promises submitters (“仅整改办
    可见”). Every page, export and API answer that shows an item asks this; for anyone else
    they show neither."""
    return access(user, campaign).is_office


def can_triage_feedback(user, campaign: Campaign) -> bool:
    return access(user, campaign).is_office


def scope_import_batches(user, campaign: Campaign):
    """Spreadsheet imports: the office sees every batch of the campaign, a work-group member
    the batches they started; nobody else any (the rows are raw feedback with contacts)."""
    acc = access(user, campaign)
    batches = ImportBatch.objects.filter(campaign=campaign)
    if acc.is_office:
        return batches
    if acc.has(Role.GROUP):
        return batches.filter(created_by=user)
    return batches.none()


def can_import(user, campaign: Campaign) -> bool:
    """The campaign office and work-group members (they record feedback). A command acts as a
    named user or as orgs.access.SYSTEM (the server's operator), which counts as the office."""
    return access(user, campaign).has(Role.OFFICE, Role.GROUP)


def can_undo_import(user, batch: ImportBatch) -> bool:
    """The office, or the work-group member who started the import."""
    acc = access(user, batch.campaign)
    return acc.is_office or (batch.created_by_id == user.pk and acc.has(Role.GROUP))


def get_campaign_for_importer(user, slug: str) -> Campaign:
    """The campaign if the user may import spreadsheets into it (can_import): 404 when they
    are not in it, 403 otherwise."""
    campaign = get_campaign_for_user(user, slug)
    if not can_import(user, campaign):
        raise PermissionDenied
    return campaign


def get_import_batch_for_user(user, pk: int):
    """The batch if scope_import_batches lets the user see it, else 404."""
    batch = ImportBatch.objects.select_related("campaign", "created_by").filter(pk=pk).first()
    if batch is None or not scope_import_batches(user, batch.campaign).filter(pk=pk).exists():
        raise Http404("import batch")
    return batch
