"""The office sets the work: measures on a problem, the deadline preview, milestones on the
measure page, and assigning ticked problems of the list to a unit.

Thin views: lookups through ledger/scoping.py, writes through ledger/services.py. The milestone
views answer htmx with the milestones section (ledger/measure/_milestones.html) and plain posts
with a redirect to the measure page.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rectify.campaigns.scoping import get_campaign_for_office, get_campaign_for_user
from rectify.core import workdays
from rectify.core.errors import DomainError
from rectify.core.pages import form_errors_to_messages, is_htmx, status_of
from rectify.ledger import services
from rectify.ledger.inputs import BY_DATE, BY_WORKING_DAYS
from rectify.ledger.planning.forms import (
    BulkAssignForm,
    DeadlinePreviewForm,
    MeasureCreateForm,
    MilestoneDoneForm,
    MilestoneForm,
    initial_from,
)
from rectify.ledger.scoping import (
    can_change_measure,
    get_measure_for_user,
    get_milestone_for_user,
    get_problem_for_user,
    scope_measures,
    scope_problems,
)

# --- measures on a problem ----------------------------------------------------------------------


@login_required
def measure_create(request, slug, number):
    """Add a measure to a problem (the office). "Save and add another" comes back to this form
    with the lead unit, person, mode and deadline kept, for the next measure of the problem."""
    campaign = get_campaign_for_office(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    status = 200
    if request.method == "POST":
        form = MeasureCreateForm(
            request.POST, campaign=campaign, problem=problem, user=request.user
        )
        if form.is_valid():
            try:
                measure = services.create_measure(problem, actor=request.user, **form.values())
            except DomainError as e:
                form.add_error(None, e.message)
                status = status_of(e)
            else:
                if request.POST.get("action") == "another":
                    messages.success(
                        request,
                        _(
                            "Measure %(number)s-%(pk)s was added. Add the next one: the lead "
                            "unit, mode and deadline are kept."
                        )
                        % {"number": problem.number, "pk": measure.pk},
                    )
                    url = reverse("measure-create", args=[campaign.slug, problem.number])
                    return redirect(f"{url}?{urlencode(form.kept())}")
                messages.success(
                    request,
                    _("Measure %(number)s-%(pk)s was added as a draft.")
                    % {"number": problem.number, "pk": measure.pk},
                )
                return redirect("problem-detail", slug=campaign.slug, number=problem.number)
        else:
            status = 400
        preview = _preview(request.POST)
    else:
        initial = initial_from(request.GET)
        form = MeasureCreateForm(
            campaign=campaign, problem=problem, user=request.user, initial=initial
        )
        preview = _preview(initial)
    context = {
        "campaign": campaign,
        "problem": problem,
        "form": form,
        "preview": preview,
        "measures": scope_measures(request.user, campaign)
        .filter(problem=problem)
        .select_related("responsible_unit")
        .order_by("id"),
    }
    return render(request, "ledger/planning/measure_form.html", context, status=status)


@login_required
def deadline_preview(request, slug):
    """The deadline as it will be stored, for what the form holds so far (htmx, on each change):
    N working days after the decision date, with its weekday, and a warning for years the
    holiday calendar does not cover."""
    campaign = get_campaign_for_user(request.user, slug)
    context = {"campaign": campaign, "preview": _preview(request.GET)}
    return render(request, "ledger/planning/_deadline_preview.html", context)


def _preview(data) -> dict:
    """What the deadline preview shows: {} when there is nothing to show yet."""
    form = DeadlinePreviewForm(data)
    if not form.is_valid():
        return {"invalid": True}
    d = form.cleaned_data
    by = d.get("deadline_by") or (BY_WORKING_DAYS if d.get("working_days") else BY_DATE)
    if by == BY_WORKING_DAYS:
        decided_on, days = d.get("decided_on"), d.get("working_days")
        if decided_on is None or days is None:
            return {"by": by, "incomplete": True}
        deadline = services.deadline_from(decided_on, days)
        return {
            "by": by,
            "deadline": deadline,
            "decided_on": decided_on,
            "working_days": days,
            "calendar_years": workdays.uncovered_years(range(decided_on.year, deadline.year + 1)),
        }
    deadline = d.get("deadline")
    if deadline is None:
        return {}
    covered = not workdays.uncovered_years([deadline.year])
    return {
        "by": by,
        "deadline": deadline,
        "rest_day": covered and not workdays.is_workday(deadline),
    }


# --- milestones ----------------------------------------------------------------------------------


def _section(request, measure, *, error: str = "", **extra):
    """The milestones section as the measure page shows it (for htmx swaps)."""
    context = {
        "campaign": measure.campaign,
        "measure": measure,
        "milestones": list(measure.milestones.all()),
        "can_change": can_change_measure(request.user, measure),
        "milestone_error": error,
        **extra,
    }
    return render(request, "ledger/measure/_milestones.html", context)


def _back(measure):
    return redirect(reverse("measure-detail", args=[measure.pk]) + "#milestones")


def _writable_milestone(user, pk):
    milestone = get_milestone_for_user(user, pk)
    if not can_change_measure(user, milestone.measure):
        raise PermissionDenied
    return milestone


@login_required
def milestones(request, pk):
    """GET: the milestones section (htmx; e.g. "cancel" of an edit). POST: add a milestone
    (the office and the responsible unit)."""
    if request.method != "POST":
        measure = get_measure_for_user(request.user, pk)
        return _section(request, measure) if is_htmx(request) else _back(measure)
    measure = get_measure_for_user(request.user, pk, write=True)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(
                measure,
                actor=request.user,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as e:
            return _refused(request, measure, e)
        if is_htmx(request):
            return _section(request, measure)
        messages.success(request, _("The milestone was added."))
        return _back(measure)
    if is_htmx(request):
        return _section(request, measure, add_form=form)
    form_errors_to_messages(request, form)
    return _back(measure)


@login_required
def milestone_edit(request, pk):
    """Edit a milestone's step and due date (and the done date of a completed one), in place."""
    milestone = _writable_milestone(request.user, pk)
    measure = milestone.measure
    if request.method == "POST":
        form = MilestoneForm(request.POST, milestone=milestone)
        if form.is_valid():
            try:
                services.update_milestone(milestone, actor=request.user, **form.changes())
            except DomainError as e:
                return _refused(request, measure, e)
            if is_htmx(request):
                return _section(request, measure)
            messages.success(request, _("The milestone was saved."))
            return _back(measure)
        status = 400
    else:
        form = MilestoneForm(milestone=milestone)
        status = 200
    if is_htmx(request):
        return _section(request, measure, editing=milestone.pk, edit_form=form)
    context = {"campaign": measure.campaign, "measure": measure, "milestone": milestone}
    context["form"] = form
    return render(request, "ledger/planning/milestone_edit.html", context, status=status)


@login_required
@require_POST
def milestone_done(request, pk):
    """Mark a milestone done (today unless a date is given), or undo that."""
    milestone = _writable_milestone(request.user, pk)
    measure = milestone.measure
    form = MilestoneDoneForm(request.POST)
    if not form.is_valid():
        if is_htmx(request):
            return _section(request, measure, error=" ".join(form.errors.get("done_on", [])))
        form_errors_to_messages(request, form)
        return _back(measure)
    try:
        if form.cleaned_data["undo"]:
            services.update_milestone(milestone, actor=request.user, done_on=None)
            done = _("The milestone is open again.")
        else:
            services.complete_milestone(
                milestone,
                actor=request.user,
                done_on=form.cleaned_data["done_on"] or timezone.localdate(),
            )
            done = _("The milestone was marked done.")
    except DomainError as e:
        return _refused(request, measure, e)
    if is_htmx(request):
        return _section(request, measure)
    messages.success(request, done)
    return _back(measure)


@login_required
@require_POST
def milestone_delete(request, pk):
    """Delete a milestone entered by mistake (a completed one stays on record)."""
    milestone = _writable_milestone(request.user, pk)
    measure = milestone.measure
    try:
        services.delete_milestone(milestone, actor=request.user)
    except DomainError as e:
        return _refused(request, measure, e)
    if is_htmx(request):
        return _section(request, measure)
    messages.success(request, _("The milestone was deleted."))
    return _back(measure)


def _refused(request, measure, error: DomainError):
    """A refusal of the service: in the section (htmx swaps only 2xx answers), else a message."""
    if is_htmx(request):
        return _section(request, measure, error=error.message)
    messages.error(request, error.message)
    return _back(measure)


# --- assigning ticked problems to a unit -------------------------------------------------------


@login_required
@require_POST
def problem_assign(request, slug):
    """Assign the ticked problems of the list page to one unit (the office): a draft measure
    each, with a common deadline and mode. Back to the list with its filters."""
    campaign = get_campaign_for_office(request.user, slug)
    form = BulkAssignForm(request.POST, campaign=campaign)
    back = reverse("problem-list", args=[campaign.slug])
    query = request.POST.get("query", "")
    if query and not query.startswith("?"):
        query = ""
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(back + query)
    data = form.cleaned_data
    problems = scope_problems(request.user, campaign).filter(
        pk__in=[p.pk for p in data["problems"]]
    )
    try:
        measures = services.bulk_assign(
            campaign,
            list(problems),
            actor=request.user,
            responsible_unit=data["responsible_unit"],
            deadline=data["deadline"],
            mode=data["mode"],
            content=data["content"],
        )
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d draft measure was created for %(unit)s.",
                "%(n)d draft measures were created for %(unit)s.",
                len(measures),
            )
            % {"n": len(measures), "unit": data["responsible_unit"]},
        )
    return redirect(back + query)
