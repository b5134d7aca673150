"""Pages of the consolidation board (归并): the suggested groups of a campaign's unmerged
feedback, one group in full, the merges made with their undo, and the regrouping's progress.

Office only. Thin views: lookups through consolidation/scoping.py, every write through
consolidation/services.py; a refusal becomes a message on the page the person came from.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rectify.campaigns.scoping import get_campaign_for_office
from rectify.consolidation import regrouping, services
from rectify.consolidation.board import (
    board_groups,
    current_run,
    leaves,
    live_members,
    running_run,
    unmerged_items,
)
from rectify.consolidation.forms import (
    AcceptForm,
    ItemActionForm,
    ItemsForm,
    ReasonForm,
    RegroupForm,
    SetAsideForm,
)
from rectify.consolidation.meaning import measure_used
from rectify.consolidation.models import Level, Merge, Run, SetAside, SuggestedGroup
from rectify.consolidation.scoping import (
    get_consolidation_run_for_user,
    get_merge_for_user,
    get_suggested_group_for_user,
)
from rectify.core.errors import DomainError
from rectify.core.pages import form_errors_to_messages, redirect_back
from rectify.feedback.scoping import get_feedback_for_user
from rectify.ledger.choices import Source
from rectify.ledger.models import Category, Problem

GROUPS_PER_PAGE = 20


def _board_url(campaign, level=Level.DUPLICATE) -> str:
    url = reverse("consolidation-board", args=[campaign.slug])
    return url if level == Level.DUPLICATE else f"{url}?level={level}"


def _refused(request, error: DomainError) -> None:
    messages.error(request, error.message)


def _cards(run: Run, groups) -> list[dict]:
    """Each group with its leaves (itself, or a topic's subgroups) and their live members."""
    groups = list(groups)
    if run.level == Level.TOPIC and all(g.parent_id is None for g in groups):
        leaves = {g.pk: list(board_groups(run, parent=g)) for g in groups}
    else:
        leaves = {g.pk: [g] for g in groups}
    all_leaves = [leaf for ls in leaves.values() for leaf in ls]
    members: dict[int, list] = {}
    for m in live_members(all_leaves):
        members.setdefault(m.group_id, []).append(m)
    cards = []
    for g in groups:
        parts = [(leaf, members.get(leaf.pk, [])) for leaf in leaves[g.pk]]
        parts = [(leaf, ms) for leaf, ms in parts if ms]
        cards.append(
            {
                "group": g,
                "parts": parts,
                "is_topic": run.level == Level.TOPIC and g.parent_id is None,
                "member_ids": [m.feedback_item_id for _leaf, ms in parts for m in ms],
            }
        )
    return cards


def _choices(campaign) -> dict:
    return {
        "sources": Source.choices,
        "categories": Category.objects.filter(campaign=campaign),
        "problems": Problem.objects.filter(campaign=campaign).only("number", "title"),
    }


@login_required
def board(request, slug):
    campaign = get_campaign_for_office(request.user, slug)
    level = request.GET.get("level", Level.DUPLICATE)
    if level not in Level.values:
        level = Level.DUPLICATE
    singles = request.GET.get("show") == "singles"
    run = current_run(campaign, level)
    page = cards = None
    counts = {"groups": 0, "singles": 0}
    if run is not None:
        groups = board_groups(run)
        counts = {
            "groups": groups.filter(live__gt=1).count(),
            "singles": groups.filter(live=1).count(),
        }
        shown = groups.filter(live=1) if singles else groups.filter(live__gt=1)
        page = Paginator(shown, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        cards = _cards(run, page.object_list)
    context = {
        "campaign": campaign,
        "run": run,
        "running": running_run(campaign),
        "level": level,
        "levels": Level.choices,
        "singles": singles,
        "counts": counts,
        "page": page,
        "cards": cards,
        "unmerged": unmerged_items(campaign).count(),
        "set_aside": SetAside.objects.filter(campaign=campaign)
        .select_related("feedback_item", "created_by")
        .order_by("-created_at")[:50],
        "regroup_form": RegroupForm(initial={"level": level}),
        "measure": measure_used(run.total if run else 0),  # the footnote
        **_choices(campaign),
    }
    return render(request, "consolidation/board.html", context)


@login_required
def group_detail(request, pk):
    group = get_suggested_group_for_user(request.user, pk)
    run = group.run
    campaign = run.campaign
    cards = _cards(run, [group])
    context = {
        "campaign": campaign,
        "run": run,
        "group": group,
        "cards": cards,
        "detail": True,
        **_choices(campaign),
    }
    return render(request, "consolidation/group_detail.html", context)


@login_required
@require_POST
def regroup(request, slug):
    campaign = get_campaign_for_office(request.user, slug)
    form = RegroupForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(_board_url(campaign))
    level = form.cleaned_data["level"]
    try:
        run = regrouping.start_regroup(campaign, actor=request.user, level=level)
    except DomainError as e:
        _refused(request, e)
        return redirect(_board_url(campaign, level))
    if run.status == Run.Status.DONE:
        messages.success(
            request,
            ngettext(
                "Regrouped %(items)d item into %(groups)d group.",
                "Regrouped %(items)d items into %(groups)d groups.",
                run.total,
            )
            % {"items": run.total, "groups": run.group_count},
        )
    else:
        messages.info(
            request,
            _("The regrouping runs in the background; the board stays usable meanwhile."),
        )
    return redirect(_board_url(campaign, level))


@login_required
def run_progress(request, pk):
    """The progress bar's fragment, polled by htmx while the run is going; when it ends the
    page reloads to show the new groups."""
    run = regrouping.progress(get_consolidation_run_for_user(request.user, pk))
    response = render(request, "consolidation/_progress.html", {"running": run})
    if not run.is_running:
        response["HX-Refresh"] = "true"
    return response


def _group_action(request, pk, form_class, **form_kwargs):
    group = get_suggested_group_for_user(request.user, pk)
    member_ids = [m.feedback_item_id for m in live_members(leaves(group))]
    form = form_class(request.POST, member_ids=member_ids, **form_kwargs)
    return group, form


def _items(group, ids):
    from rectify.feedback.models import FeedbackItem

    return list(FeedbackItem.objects.filter(campaign=group.run.campaign, pk__in=ids))


@login_required
@require_POST
def accept(request, pk):
    group = get_suggested_group_for_user(request.user, pk)
    campaign = group.run.campaign
    member_ids = [m.feedback_item_id for m in live_members(leaves(group))]
    form = AcceptForm(request.POST, campaign=campaign, member_ids=member_ids)
    back = _board_url(campaign, group.run.level)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect_back(request, back)
    data = form.cleaned_data
    try:
        merge = services.accept(
            group,
            actor=request.user,
            items=_items(group, data["items"]) if data["items"] else None,
            problem=data["problem"] if data["mode"] == "existing" else None,
            title=data["title"],
            source=data["source"],
            category=data["category"],
            reason=data["reason"],
            expected_version=data["version"],
        )
    except DomainError as e:
        _refused(request, e)
        return redirect_back(request, back)
    messages.success(
        request,
        ngettext(
            "Merged %(count)d item into problem %(number)s.",
            "Merged %(count)d items into problem %(number)s.",
            merge.items.count(),
        )
        % {"count": merge.items.count(), "number": merge.problem_number},
    )
    return redirect_back(request, back)


@login_required
@require_POST
def split(request, pk):
    group, form = _group_action(request, pk, ItemsForm)
    back = reverse("consolidation-group", args=[group.pk])
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect_back(request, back)
    data = form.cleaned_data
    try:
        new = services.split(
            group,
            _items(group, data["items"]),
            actor=request.user,
            reason=data["reason"],
            keep_apart=data["keep_apart"],
            expected_version=data["version"],
        )
    except DomainError as e:
        _refused(request, e)
        return redirect_back(request, back)
    messages.success(request, _("Split off into group #%(number)s.") % {"number": new.pk})
    return redirect_back(request, back)


@login_required
@require_POST
def move(request, pk):
    group, form = _group_action(request, pk, ItemActionForm)
    back = reverse("consolidation-group", args=[group.pk])
    if form.is_valid() and not form.cleaned_data.get("to"):
        form.add_error("to", _("Give the number of the group to move the item to."))
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect_back(request, back)
    data = form.cleaned_data
    target = SuggestedGroup.objects.filter(pk=data["to"], run=group.run).first()
    if target is None:
        messages.error(request, _("There is no group #%(number)s here.") % {"number": data["to"]})
        return redirect_back(request, back)
    try:
        services.move(
            group,
            _items(group, [data["item"]])[0],
            to=target,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
    except DomainError as e:
        _refused(request, e)
        return redirect_back(request, back)
    messages.success(request, _("Moved to group #%(number)s.") % {"number": target.pk})
    return redirect_back(request, back)


@login_required
@require_POST
def not_duplicate(request, pk):
    group, form = _group_action(request, pk, ItemActionForm)
    back = reverse("consolidation-group", args=[group.pk])
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect_back(request, back)
    data = form.cleaned_data
    try:
        services.mark_not_duplicate(
            group,
            _items(group, [data["item"]])[0],
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
    except DomainError as e:
        _refused(request, e)
        return redirect_back(request, back)
    messages.success(
        request, _("Marked as not a duplicate; later regroupings keep these items apart.")
    )
    return redirect_back(request, back)


@login_required
@require_POST
def set_aside(request, pk):
    item = get_feedback_for_user(request.user, pk)
    back = _board_url(item.campaign)
    form = SetAsideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the item is set aside."))
        return redirect_back(request, back)
    try:
        services.set_aside(item, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as e:
        _refused(request, e)
        return redirect_back(request, back)
    messages.success(request, _("The item was set aside."))
    return redirect_back(request, back)


@login_required
@require_POST
def restore(request, pk):
    item = get_feedback_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.restore(item, actor=request.user, reason=reason)
    except DomainError as e:
        _refused(request, e)
    else:
        messages.success(request, _("The item is back on the board."))
    return redirect_back(request, _board_url(item.campaign))


@login_required
def merge_list(request, slug):
    campaign = get_campaign_for_office(request.user, slug)
    merges = (
        Merge.objects.filter(campaign=campaign)
        .select_related("problem", "merged_by", "undone_by")
        .prefetch_related("items")
        .order_by("-merged_at", "-pk")
    )
    page = Paginator(merges, 50).get_page(request.GET.get("page"))
    return render(request, "consolidation/merge_list.html", {"campaign": campaign, "page": page})


@login_required
@require_POST
def undo(request, pk):
    merge = get_merge_for_user(request.user, pk)
    back = reverse("consolidation-merges", args=[merge.campaign.slug])
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.undo_merge(merge, actor=request.user, reason=reason)
    except DomainError as e:
        _refused(request, e)
        return redirect_back(request, back)
    messages.success(
        request,
        _("The merge into problem %(number)s was undone; its items are back on the board.")
        % {"number": merge.problem_number},
    )
    if merge.created_problem:  # the problem page is gone
        return redirect(back)
    return redirect_back(request, back)
