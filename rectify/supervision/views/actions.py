"""Pages of supervision actions: the campaign's list, recording an inspection, on-site visit,
guidance-group visit or interview, an action's page, and follow-up measures from a finding.

Thin views: reads through supervision/scoping.py, writes through supervision/services.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.audit.timeline import timeline
from rectify.campaigns.scoping import get_campaign_for_reader, get_campaign_for_user
from rectify.core.errors import DomainError
from rectify.core.pages import status_of
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.orgs.models import OrgUnit
from rectify.supervision import services
from rectify.supervision.inputs import ActionFilterForm, ActionForm, FollowUpForm
from rectify.supervision.scoping import (
    can_record_supervision,
    can_supervise_unit,
    get_action_for_user,
    scope_supervision_actions,
    supervisable_units,
)

PAGE_SIZE = 50


@login_required
def action_list(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    form = ActionFilterForm(request.GET or None, units=OrgUnit.objects.subtree(campaign.org_unit))
    qs = form.apply(scope_supervision_actions(user, campaign))
    qs = qs.select_related("target_unit", "actor", "problem").order_by("-happened_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "form": form,
        "page": page,
        "can_record": can_record_supervision(user, campaign),
    }
    return render(request, "supervision/action_list.html", context)


@login_required
def action_create(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    if not can_record_supervision(user, campaign):
        raise PermissionDenied
    form = ActionForm(
        request.POST or None,
        units=supervisable_units(user, campaign),
        problems=scope_problems(user, campaign).order_by("number"),
        initial={"target_unit": request.GET.get("unit")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                action = services.record_action(campaign, actor=user, **form.cleaned_data)
            except DomainError as e:
                form.add_error(None, e.message)
                status = status_of(e)
            else:
                messages.success(request, _("The supervision was recorded."))
                return redirect("supervision-action-detail", slug=campaign.slug, pk=action.pk)
    context = {"campaign": campaign, "form": form}
    return render(request, "supervision/action_form.html", context, status=status)


def _detail(request, campaign, action, follow_up_form=None, status=200):
    user = request.user
    may_follow_up = not action.is_notice and can_supervise_unit(user, campaign, action.target_unit)
    if may_follow_up and follow_up_form is None:
        follow_up_form = FollowUpForm(
            problems=_problems_for(user, campaign),
            initial={
                "problem": action.problem_id,
                # a new problem is named after the finding, unless the action has a problem
                "title": "" if action.problem_id else action.content.splitlines()[0][:200],
            },
        )
    follow_ups = scope_measures(user, campaign).filter(supervision_origins=action)
    context = {
        "campaign": campaign,
        "action": action,
        "follow_ups": follow_ups.select_related("problem", "responsible_unit"),
        "follow_up_form": follow_up_form if may_follow_up else None,
        "timeline": timeline([action]),
    }
    return render(request, "supervision/action_detail.html", context, status=status)


def _problems_for(user, campaign):
    return scope_problems(user, campaign).order_by("number")


@login_required
def action_detail(request, slug, pk):
    campaign = get_campaign_for_user(request.user, slug)
    action = get_action_for_user(request.user, campaign, pk)
    if action.is_notice:
        return redirect("notice-detail", slug=campaign.slug, pk=action.pk)
    return _detail(request, campaign, action)


@login_required
@require_POST
def follow_up_create(request, slug, pk):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    action = get_action_for_user(user, campaign, pk, notice=False)
    if not can_supervise_unit(user, campaign, action.target_unit):
        raise PermissionDenied
    form = FollowUpForm(request.POST, problems=_problems_for(user, campaign))
    if not form.is_valid():
        return _detail(request, campaign, action, form, status=400)
    try:
        measure = services.add_follow_up(action, actor=user, **form.values())
    except DomainError as e:
        form.add_error(None, e.message)
        return _detail(request, campaign, action, form, status=status_of(e))
    messages.success(
        request,
        _("Follow-up measure added to problem %(number)s.") % {"number": measure.problem.number},
    )
    return redirect("supervision-action-detail", slug=campaign.slug, pk=action.pk)
