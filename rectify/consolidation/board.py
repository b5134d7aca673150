"""What is on the consolidation board: unmerged items, runs, groups and their live members,
and the small rules both regrouping and the office's decisions use (who acts, how a group is
divided, how alike its members are)."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rectify import textsim
from rectify.campaigns.models import Campaign
from rectify.consolidation.meaning import model_folder
from rectify.consolidation.models import Level, Run, SuggestedGroup, SuggestedMember
from rectify.core.errors import PermissionRefused
from rectify.feedback.models import FeedbackItem
from rectify.orgs.access import access


def require_office(actor, campaign) -> None:
    """The board is the office's: anyone else is refused."""
    if not access(actor, campaign).is_office:
        raise PermissionRefused(_("Only the campaign office may do this."))


def person(actor):
    """Who to record as having acted (no person for the system)."""
    return actor if actor is not None and actor.is_authenticated else None


def item_text(title: str, text: str) -> str:
    """What is compared: the title (when it is not just the text's beginning) and the text."""
    if title and not text.startswith(title):
        return f"{title}\n{text}"
    return text


def live_q(prefix: str = "") -> Q:
    """Items still to consolidate: merged into no problem and not set aside."""
    return Q(**{f"{prefix}merges__isnull": True, f"{prefix}set_aside__isnull": True})


def unmerged_items(campaign: Campaign) -> QuerySet[FeedbackItem]:
    return FeedbackItem.objects.filter(live_q(), campaign=campaign)


def live_members(groups) -> QuerySet[SuggestedMember]:
    """Members of `groups` still to consolidate, most similar first."""
    return (
        SuggestedMember.objects.filter(live_q("feedback_item__"), group__in=groups)
        .select_related("feedback_item__region")
        .order_by("group", "-similarity", "feedback_item_id")
    )


def current_run(campaign: Campaign, level: str = Level.DUPLICATE) -> Run | None:
    """The newest finished regrouping at `level`: what the board shows."""
    return (
        Run.objects.filter(campaign=campaign, level=level, status=Run.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def running_run(campaign: Campaign) -> Run | None:
    """A regrouping still waiting or running (and alive), if any."""
    for run in Run.objects.filter(
        campaign=campaign, status__in=(Run.Status.PENDING, Run.Status.RUNNING)
    ):
        if not run.is_stale:
            return run
    return None


def board_groups(run: Run, *, parent: SuggestedGroup | None = None) -> QuerySet[SuggestedGroup]:
    """The run's groups (or a topic's subgroups), annotated with `live` (items still to
    consolidate), largest first. Members sit on the leaves: a topic counts its subgroups'."""
    qs = SuggestedGroup.objects.filter(run=run, parent=parent)
    if run.level == Level.TOPIC and parent is None:
        live = Count("subgroups__members", filter=live_q("subgroups__members__feedback_item__"))
    else:
        live = Count("members", filter=live_q("members__feedback_item__"))
    return (
        qs.annotate(live=live)
        .filter(live__gt=0)
        .select_related("representative")
        .order_by("-live", "position", "pk")
    )


def partition(members: list[int], apart: set[frozenset]) -> list[list[int]]:
    """Split `members` (representative first) so no part holds a pair of `apart`: each member
    joins the first part it may join, else starts a new one."""
    parts: list[list[int]] = []
    for m in members:
        for part in parts:
            if not any(frozenset((m, o)) in apart for o in part):
                part.append(m)
                break
        else:
            parts.append([m])
    return parts


def similarities(representative: str, texts: list[str]) -> list[float]:
    """Each text's similarity to the representative, 0..1 (the first text is usually it)."""
    out = [round(x, 4) for x in textsim.similarities(representative, texts, model=model_folder())]
    return [1.0 if t == representative else s for t, s in zip(texts, out, strict=True)]


def leaves(group: SuggestedGroup) -> list[SuggestedGroup]:
    subs = list(group.subgroups.all())
    return subs or [group]
