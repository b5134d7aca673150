"""Pages of the ledger: the problem list and detail, the measure detail, edit and transitions.

Thin views: every lookup goes through orgs/scoping.py, every write through ledger/services.py,
every figure through ledger/derived.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.audit.log import history
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.ledger import derived, services, states
from rectify.ledger.choices import MeasureMode, MeasureState, Source
from rectify.ledger.filters import ProblemFilter
from rectify.ledger.forms import MeasureForm, TransitionForm
from rectify.ledger.models import ProgressReport
from rectify.orgs.models import OrgUnit
from rectify.orgs.scoping import (
    can_change_measure,
    get_campaign_for_user,
    get_evidence_for_user,
    get_measure_for_user,
    get_problem_for_user,
    scope_feedback,
    scope_measures,
    scope_problems,
)

PAGE_SIZE = 50


def is_htmx(request) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


# --- problems --------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def problem_list(request, slug):
    campaign = get_campaign_for_user(request.user, slug)
    pf = ProblemFilter(
        request.GET,
        campaign=campaign,
        problems=scope_problems(request.user, campaign),
        measures=scope_measures(request.user, campaign),
    )
    page = Paginator(pf.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"campaign": campaign, "form": pf.form, "page": page}
    if is_htmx(request):
        return render(request, "ledger/_problem_rows.html", context)
    return render(request, "ledger/problem_list.html", context)


@login_required
def problem_detail(request, slug, number):
    campaign = get_campaign_for_user(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    measures = list(
        derived.annotate_due_status(
            scope_measures(request.user, campaign).filter(problem=problem), campaign
        )
        .select_related("responsible_unit", "campaign")
        .prefetch_related(
            "milestones",
            Prefetch("reports", queryset=ProgressReport.objects.order_by("-reported_on", "-id")),
        )
    )
    merges = (
        problem.merges.filter(feedback_item__in=scope_feedback(request.user, campaign))
        .select_related("feedback_item__region", "merged_by")
        .order_by("merged_at", "pk")
    )
    context = {
        "campaign": campaign,
        "problem": problem,
        "state": derived.problem_state(problem),
        "merges": merges,
        "measures": measures,
        "timeline": timeline([problem, *measures]),
    }
    return render(request, "ledger/problem_detail.html", context)


# --- measures --------------------------------------------------------------------------------


@login_required
def measure_detail(request, pk):
    measure = get_measure_for_user(request.user, pk)
    reports = list(measure.reports.select_related("reported_by").order_by("-reported_on", "-id"))
    evidence = list(measure.evidence.select_related("uploaded_by", "report"))
    milestones = list(measure.milestones.all())
    context = {
        "campaign": measure.campaign,
        "measure": measure,
        "due_status": derived.due_status(measure),
        "days_overdue": derived.days_overdue(measure),
        "milestones": milestones,
        "reports": reports,
        "evidence": evidence,
        "verifications": measure.verifications.select_related("decided_by"),
        "transitions": states.available(measure, request.user),
        "can_change": can_change_measure(request.user, measure),
        "timeline": timeline([measure, *milestones, *reports, *evidence]),
    }
    return render(request, "ledger/measure_detail.html", context)


@login_required
def measure_edit(request, pk):
    measure = get_measure_for_user(request.user, pk, write=True)
    status = 200
    current = None
    if request.method == "POST":
        form = MeasureForm(request.POST, measure=measure, user=request.user)
        if form.is_valid():
            try:
                services.update_measure(
                    measure,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.changes(),
                )
            except ConflictError as e:
                form.add_error(None, e.message)
                status = 409
                current = measure  # as stored now, so the user can see what changed
            except PermissionRefused as e:
                form.add_error(None, e.message)
                status = 403
            else:
                messages.success(request, _("The measure was saved."))
                return redirect("measure-detail", pk=measure.pk)
    else:
        form = MeasureForm(measure=measure, user=request.user)
    context = {"campaign": measure.campaign, "measure": measure, "form": form, "current": current}
    return render(request, "ledger/measure_edit.html", context, status=status)


@login_required
@require_POST
def measure_transition(request, pk, name):
    measure = get_measure_for_user(request.user, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("measure-detail", pk=measure.pk)
    try:
        measure = services.transition(
            measure,
            name,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("“%(action)s” done: the measure is now “%(state)s”.")
            % {
                "action": states.TRANSITIONS[name].label,
                "state": MeasureState(measure.state).label,
            },
        )
    return redirect("measure-detail", pk=measure.pk)


@login_required
def evidence_download(request, pk):
    evidence = get_evidence_for_user(request.user, pk)
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )


# --- the activity timeline -------------------------------------------------------------------

ACTION_LABELS = {
    "problem.create": gettext_lazy("created the problem"),
    "problem.update": gettext_lazy("edited the problem"),
    "problem.lists": gettext_lazy("changed the problem's lists"),
    "problem.merge": gettext_lazy("merged feedback items into the problem"),
    "measure.create": gettext_lazy("created the measure"),
    "measure.update": gettext_lazy("edited the measure"),
    "measure.phase_complete": gettext_lazy("marked the phase complete"),
    "milestone.create": gettext_lazy("added a milestone"),
    "milestone.done": gettext_lazy("completed a milestone"),
    "progress.create": gettext_lazy("reported progress"),
    "evidence.create": gettext_lazy("uploaded evidence"),
}
CHOICE_LABELS = {"state": MeasureState, "mode": MeasureMode, "source": Source}
UNIT_FIELDS = ("responsible_unit", "lead_unit")


def timeline(objects) -> list[dict]:
    """The activity-log entries of `objects`, merged newest first, ready to show."""
    entries = [entry for obj in objects for entry in history(obj)]
    entries.sort(key=lambda e: (e.at, e.pk), reverse=True)
    unit_ids = {
        side.get(name)
        for e in entries
        for side in (e.before, e.after)
        for name in UNIT_FIELDS
        if isinstance(side.get(name), int)
    }
    units = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    return [_describe(e, units) for e in entries]


def _describe(entry, units) -> dict:
    model = ContentType.objects.get_for_id(entry.target_type_id).model_class()
    changes = []
    for name in dict.fromkeys([*entry.before, *entry.after]):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a key that is not a field, e.g. "feedback_items"
            field = None
        had_before = name in entry.before
        if had_before and entry.before.get(name) == entry.after.get(name):
            continue  # snapshots list fields that may change; show only those that did
        changes.append(
            {
                "field": field.verbose_name if field is not None else name,
                "had_before": had_before,
                "before": _show(field, name, entry.before.get(name), units),
                "after": _show(field, name, entry.after.get(name), units),
            }
        )
    action = entry.action
    label = ACTION_LABELS.get(action)
    if label is None and action.startswith("measure."):
        transition = states.TRANSITIONS.get(action.removeprefix("measure."))
        label = transition.label if transition else None
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": label or action,
        "target": entry.target_repr,
        "changes": changes,
        "reason": entry.reason,
    }


def _show(field, name, value, units):
    if value is None or value == "":
        return "—"
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return date_format(day) if day else value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in UNIT_FIELDS and isinstance(value, int):
        return units.get(value, value)
    choices = CHOICE_LABELS.get(name)
    if choices is not None and value in choices.values:
        return choices(value).label
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value
