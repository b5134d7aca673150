"""Pages of the listening work: work groups, the coverage view, research activities and their
attachments.

Thin views: every lookup goes through campaigns/scoping.py, every write through
campaigns/services.py, every figure through reports/coverage.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.audit.timeline import timeline
from rectify.campaigns import services
from rectify.campaigns.filters import ActivityFilter
from rectify.campaigns.inputs import ActivityForm, AttachmentForm, SettingsForm, WorkGroupForm
from rectify.campaigns.models import ResearchActivity
from rectify.campaigns.scoping import (
    can_change_activity,
    can_change_settings,
    can_manage_work_groups,
    can_record,
    get_activity_attachment_for_user,
    get_activity_for_user,
    get_campaign_for_reader,
    get_work_group_for_user,
    is_unit_limited,
    scope_activities,
    scope_campaigns,
    scope_work_groups,
    starts_on_tasks,
)
from rectify.core.errors import DomainError
from rectify.core.pages import is_htmx, status_of
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.scoping import scope_feedback
from rectify.orgs.models import User
from rectify.reports import coverage

PAGE_SIZE = 50


# --- the landing page: the signed-in user's campaigns ------------------------------------


@login_required
def home(request):
    """Straight to the campaign when the user has one (with or without its subordinate
    campaigns, which its pages link to) — for a unit liaison who is not its office, to their
    tasks there (我的任务); otherwise, or with ?all=1, a list to choose from."""
    campaigns = list(scope_campaigns(request.user).select_related("org_unit"))
    tree = campaign_tree(campaigns)
    if len(tree) == 1 and not request.GET.get("all"):
        top = tree[0][0]
        if starts_on_tasks(request.user, top):
            return redirect("my-tasks", slug=top.slug)
        return redirect("campaign-home", slug=top.slug)
    return render(request, "campaigns/home.html", {"campaigns": campaigns, "tree": tree})


def campaign_tree(campaigns) -> list[tuple]:
    """(campaign, its subordinate campaigns) for the campaigns whose parent the user cannot see.

    An office of a campaign with 160 subordinate ledgers sees one entry, not 161.
    """
    ids = {c.pk for c in campaigns}
    children: dict[int, list] = {}
    for c in campaigns:
        if c.parent_id in ids:
            children.setdefault(c.parent_id, []).append(c)
    return [(c, children.get(c.pk, [])) for c in campaigns if c.parent_id not in ids]


# --- work groups -----------------------------------------------------------------------------


@login_required
def work_group_list(request, slug):
    campaign = get_campaign_for_reader(request.user, slug)
    groups = (
        scope_work_groups(request.user, campaign)
        .select_related("leader")
        .prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("username")),
            "regions",
            "org_units",
        )
        .annotate(activity_count=Count("activities", distinct=True))
        .order_by("id")
    )
    context = {
        "campaign": campaign,
        "groups": groups,
        "can_manage": can_manage_work_groups(request.user, campaign),
    }
    return render(request, "campaigns/work_group_list.html", context)


@login_required
def work_group_create(request, slug):
    campaign = get_campaign_for_reader(request.user, slug)
    if not can_manage_work_groups(request.user, campaign):
        raise PermissionDenied
    form = WorkGroupForm(request.POST or None, campaign=campaign)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_work_group(campaign, actor=request.user, **form.changes())
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            messages.success(request, _("The work group “%(name)s” was set up.") % {"name": group})
            return redirect("work-group-list", slug=campaign.slug)
    context = {"campaign": campaign, "form": form, "group": None}
    return render(request, "campaigns/work_group_form.html", context, status=status)


@login_required
def work_group_edit(request, pk):
    group = get_work_group_for_user(request.user, pk, write=True)
    campaign = group.campaign
    form = WorkGroupForm(request.POST or None, campaign=campaign, group=group)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            group = services.update_work_group(group, actor=request.user, **form.changes())
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            messages.success(request, _("The work group “%(name)s” was saved.") % {"name": group})
            return redirect("work-group-list", slug=campaign.slug)
    context = {
        "campaign": campaign,
        "form": form,
        "group": group,
        "timeline": timeline([group]),
    }
    return render(request, "campaigns/work_group_form.html", context, status=status)


# --- coverage --------------------------------------------------------------------------------


@login_required
def coverage_view(request, slug):
    """Regions × work groups (and assigned units): who went where, whom they heard, what they
    collected; thin places marked. Counts cover what the reader may see, like the lists they
    link to."""
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    scoped = {
        "activities": scope_activities(user, campaign),
        "feedback": scope_feedback(user, campaign),
        "groups": scope_work_groups(user, campaign),
    }
    regions = coverage.region_coverage(campaign, **scoped)
    units = coverage.unit_coverage(campaign, **scoped)
    sort = request.GET.get("sort", "")
    usort = request.GET.get("usort", "")
    context = {
        "campaign": campaign,
        "regions": regions,
        "region_rows": coverage.sort_rows(regions.rows, sort),
        "region_headers": _sort_headers(request, "sort", sort, _("Region")),
        "units": units,
        "unit_rows": coverage.sort_rows(units.rows, usort),
        "unit_headers": _sort_headers(request, "usort", usort, _("Unit")),
        "limited": is_unit_limited(user, campaign),
        "problem": FeedbackKind.PROBLEM,
        "suggestion": FeedbackKind.SUGGESTION,
    }
    return render(request, "campaigns/coverage.html", context)


COLUMN_LABELS = {
    "activities": gettext_lazy("Activities"),
    "participants": gettext_lazy("Participants"),
    "problems": gettext_lazy("Problems"),
    "suggestions": gettext_lazy("Suggestions"),
    "items": gettext_lazy("Items"),
}


def _sort_headers(request, param: str, current: str, place_label: str) -> dict:
    """Column key → {label, href, arrow}: a click sorts by the column (figures largest first,
    places in code order), a second click reverses it."""
    headers = {}
    for key in coverage.SORT_KEYS:
        first = key if key == "place" else f"-{key}"
        second = f"-{key}" if key == "place" else key
        if current in (first, second):
            target = second if current == first else first
            arrow = "▼" if current.startswith("-") else "▲"
        else:
            target, arrow = first, ""
        query = request.GET.copy()
        query[param] = target
        headers[key] = {
            "label": place_label if key == "place" else COLUMN_LABELS[key],
            "href": f"?{query.urlencode()}",
            "arrow": arrow,
        }
    return headers


# --- research activities ---------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def activity_list(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    af = ActivityFilter(
        request.GET,
        campaign=campaign,
        activities=scope_activities(user, campaign),
        feedback=scope_feedback(user, campaign),
        groups=scope_work_groups(user, campaign),
    )
    page = Paginator(af.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "form": af.form,
        "page": page,
        "can_record": can_record(user, campaign),
    }
    if is_htmx(request):
        return render(request, "campaigns/_activity_rows.html", context)
    return render(request, "campaigns/activity_list.html", context)


@login_required
def activity_create(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    if not can_record(user, campaign):
        raise PermissionDenied
    form = ActivityForm(request.POST or None, campaign=campaign, user=user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(campaign, actor=user, **form.values())
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            messages.success(request, _("The activity was recorded."))
            return redirect("activity-detail", pk=activity.pk)
    context = {"campaign": campaign, "form": form, "activity": None}
    return render(request, "campaigns/activity_form.html", context, status=status)


@login_required
def activity_edit(request, pk):
    activity = get_activity_for_user(request.user, pk, write=True)
    form = ActivityForm(
        request.POST or None, campaign=activity.campaign, user=request.user, activity=activity
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.update_activity(activity, actor=request.user, **form.values())
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            messages.success(request, _("The activity was saved."))
            return redirect("activity-detail", pk=activity.pk)
    context = {"campaign": activity.campaign, "form": form, "activity": activity}
    return render(request, "campaigns/activity_form.html", context, status=status)


@login_required
def activity_detail(request, pk):
    activity = get_activity_for_user(request.user, pk)
    return _activity_page(request, activity, AttachmentForm())


def _activity_page(request, activity: ResearchActivity, attachment_form, status=200):
    user = request.user
    campaign = activity.campaign
    collected = scope_feedback(user, campaign).filter(activity=activity)
    counts = collected.aggregate(
        problems=Count("pk", filter=Q(kind=FeedbackKind.PROBLEM)),
        suggestions=Count("pk", filter=Q(kind=FeedbackKind.SUGGESTION)),
    )
    attachments = list(activity.attachments.select_related("uploaded_by"))
    context = {
        "campaign": campaign,
        "activity": activity,
        "attachments": attachments,
        "attachment_form": attachment_form,
        "can_change": can_change_activity(user, activity),
        "counts": counts,
        "latest": collected.select_related("region").order_by("-received_at", "-id")[:10],
        "timeline": timeline([activity, *attachments]),
        "problem": FeedbackKind.PROBLEM,
        "suggestion": FeedbackKind.SUGGESTION,
    }
    return render(request, "campaigns/activity_detail.html", context, status=status)


@login_required
@require_POST
def attachment_upload(request, pk):
    activity = get_activity_for_user(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _activity_page(request, activity, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        services.add_attachment(
            activity,
            actor=request.user,
            upload=upload,
            name=upload.name,
            description=form.cleaned_data["description"],
            content_type=upload.content_type or "",
        )
    except DomainError as e:
        form.add_error("file", e.message)
        return _activity_page(request, activity, form, status=status_of(e))
    messages.success(request, _("The file “%(name)s” was attached.") % {"name": upload.name})
    return redirect("activity-detail", pk=activity.pk)


@login_required
def attachment_download(request, pk):
    attachment = get_activity_attachment_for_user(request.user, pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )


# --- settings --------------------------------------------------------------------------------


@login_required
def campaign_settings(request, slug):
    """The office's settings of the campaign: dates, when a measure's light turns yellow, the
    public page. Everyone else is refused (403)."""
    campaign = get_campaign_for_reader(request.user, slug)
    if not can_change_settings(request.user, campaign):
        raise PermissionDenied
    form = SettingsForm(request.POST or None, campaign=campaign)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_settings(campaign, actor=request.user, **form.changes())
            except DomainError as e:
                form.add_error(None, e.message)
                status = status_of(e)
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("campaign-settings", slug=campaign.slug)
        else:
            status = 400
    return render(
        request, "campaigns/settings.html", {"campaign": campaign, "form": form}, status=status
    )
