"""The responsible unit's pages: my tasks (我的任务), a progress report with evidence files, the
closure request (申请销号) and the extension request (延期申请).

Thin: the lists come from ledger/worklists.py, lookups from ledger/scoping.py, every write from
ledger/services.py. Each form answers an htmx request with the part of the page it changes (its
errors shown in place, status 200 so htmx swaps them in), and a plain POST with a redirect, or
with a page of its own showing the errors. The measure page shows these forms through the
`ledger_work` template tags, which build them with the *_context functions below.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.errors import DomainError
from rectify.core.pages import form_errors_to_messages, is_htmx, safe_next, status_of
from rectify.ledger import derived, services, states, worklists
from rectify.ledger.choices import OPEN_STATES, ExtensionStatus, MeasureState
from rectify.ledger.inputs import TransitionForm
from rectify.ledger.models import ProgressReport
from rectify.ledger.scoping import can_change_measure, get_measure_for_user
from rectify.ledger.work.forms import ClosureRequestForm, ExtensionForm, ProgressForm

S = MeasureState
# Progress may be reported while a measure is under way (services.add_progress_report).
REPORTABLE = tuple(s for s in S.values if s not in (S.DRAFT, S.CLOSED))
# The order of "under way": drafts first (they wait to be started), then by deadline.
_NO_DEADLINE = dt.date.max


# --- my tasks --------------------------------------------------------------------------------


@login_required
def my_tasks(request, slug):
    """我的任务: the liaison's measures grouped by what they need next, most urgent first."""
    campaign = get_campaign_for_user(request.user, slug)
    worklist = _arranged(request.user, campaign)
    context = {
        "campaign": campaign,
        "worklist": worklist,
        "total": sum(g.count for g in worklist.groups),
        "is_unit": worklists.is_unit_worker(request.user, campaign),
        "calendar_years": derived.due_soon_warning_years(campaign),
        "here": request.get_full_path(),
    }
    return render(request, "ledger/work/my_tasks.html", context)


def _arranged(user, campaign) -> worklists.Worklist:
    """The worklist, each measure with its latest reported percent, each group most urgent
    first: by deadline (the most days late first), drafts first among those under way."""
    worklist = worklists.my_tasks(user, campaign)
    measures = [m for g in worklist.groups if g.key != "recheck" for m in g.items]
    latest = _latest_percents([m.pk for m in measures])
    for m in measures:
        m.latest_percent = latest.get(m.pk)
    for group in worklist.groups:
        if group.key != "recheck":
            group.items.sort(key=_urgency)
    return worklist


def _urgency(measure) -> tuple:
    return (
        measure.state != S.DRAFT,
        measure.deadline or _NO_DEADLINE,
        measure.problem.number,
        measure.pk,
    )


def _latest_percents(pks: list[int]) -> dict[int, int]:
    rows = (
        ProgressReport.objects.filter(measure_id__in=pks)
        .order_by("measure_id", "-reported_on", "-id")
        .values_list("measure_id", "percent_done")
    )
    latest: dict[int, int] = {}
    for pk, percent in rows:
        latest.setdefault(pk, percent)
    return latest


def _task(user, measure):
    """(group, measure as my tasks shows it) for one of the user's measures, or (None, measure)."""
    for group in _arranged(user, measure.campaign).groups:
        if group.key == "recheck":
            continue
        for item in group.items:
            if item.pk == measure.pk:
                return group, item
    return None, measure


# --- progress reports with evidence -----------------------------------------------------------


def progress_context(request, measure, *, form=None, origin="measure", standalone=False):
    """What the progress form needs; a new form starts at today and the last reported percent."""
    if form is None:
        last = _latest_percents([measure.pk]).get(measure.pk, 0)
        form = ProgressForm(measure=measure, initial={"percent_done": last})
        form.initial["reported_on"] = form.today
    return {
        "measure": measure,
        "form": form,
        "origin": origin,
        "standalone": standalone,
        "next": safe_next(request, ""),
    }


def may_report(user, measure) -> bool:
    return measure.state in REPORTABLE and can_change_measure(user, measure)


@login_required
@vary_on_headers("HX-Request")
def measure_progress(request, pk):
    """Report progress (进展情况) with several evidence files at once: the report and each file
    through the services in one transaction, so a refused file leaves nothing half-saved."""
    measure = get_measure_for_user(request.user, pk, write=True)
    origin = "tasks" if (request.POST or request.GET).get("from") == "tasks" else "measure"
    if request.method != "POST":
        context = progress_context(request, measure, origin=origin, standalone=not is_htmx(request))
        if is_htmx(request):
            return render(request, "ledger/work/_progress_form.html", context)
        return _form_page(request, measure, "progress", context)
    form = ProgressForm(request.POST, request.FILES, measure=measure)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                report = services.add_progress_report(
                    measure,
                    actor=request.user,
                    text=data["text"],
                    percent_done=data["percent_done"],
                    reported_on=data["reported_on"],
                )
                _store(measure, request.user, data["files"], report=report)
        except _FileRefused as e:
            form.add_error("files", e.message)
            status = e.status
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            done = _progress_done(report, len(data["files"]))
            if is_htmx(request):
                return _progress_answer(request, measure, origin, flash=done)
            messages.success(request, done)
            return redirect(safe_next(request, reverse("measure-detail", args=[measure.pk])))
    if is_htmx(request):
        return _progress_answer(request, measure, origin, form=form)
    context = progress_context(request, measure, form=form, origin=origin, standalone=True)
    return _form_page(request, measure, "progress", context, status=status)


def _progress_done(report, files: int) -> str:
    if not files:
        return _("Progress reported (%(percent)s%% done).") % {"percent": report.percent_done}
    return ngettext(
        "Progress reported (%(percent)s%% done) with %(n)d evidence file.",
        "Progress reported (%(percent)s%% done) with %(n)d evidence files.",
        files,
    ) % {"percent": report.percent_done, "n": files}


def _progress_answer(request, measure, origin, *, flash=None, form=None):
    """The part of the page a progress form came from, updated: the task's card on my tasks;
    on the measure page the reports with the form, and (out of band) the evidence list and the
    closure request, whose count of fresh evidence may have changed."""
    if origin == "tasks":
        group, item = _task(request.user, measure)
        context = {
            "measure": item,
            "group": group,
            "campaign": measure.campaign,
            "flash": flash,
            "progress_form": form,
            "here": safe_next(request, reverse("my-tasks", args=[measure.campaign.slug])),
        }
        return render(request, "ledger/work/_task.html", context)
    context = {
        **measure_parts(request.user, measure),
        "flash": flash,
        "progress_form": form,
        "oob": flash is not None,
    }
    return render(request, "ledger/work/_reports_answer.html", context)


def measure_parts(user, measure) -> dict:
    """The measure page's context for the parts a form here updates (as measure_detail reads it)."""
    return {
        "campaign": measure.campaign,
        "measure": measure,
        "reports": list(
            measure.reports.select_related("reported_by").order_by("-reported_on", "-id")
        ),
        "evidence": list(measure.evidence.select_related("uploaded_by", "report")),
        "can_change": can_change_measure(user, measure),
        "transitions": states.available(measure, user),
    }


class _FileRefused(DomainError):
    """A file the services refused, named; status: what the original refusal answers."""

    def __init__(self, name: str, error: DomainError):
        super().__init__(
            _("“%(name)s” was not accepted: %(error)s Nothing was saved."),
            params={"name": name, "error": error.message},
            code=error.code,
        )
        self.status = status_of(error)


def _store(measure, actor, uploads, *, report=None) -> None:
    """Each file through services.add_evidence; the caller's transaction undoes all on a refusal."""
    for upload in uploads:
        try:
            services.add_evidence(
                measure,
                actor=actor,
                upload=upload,
                name=upload.name,
                report=report,
                content_type=getattr(upload, "content_type", "") or "",
            )
        except DomainError as e:
            raise _FileRefused(upload.name, e) from e


# --- closure request (申请销号) ------------------------------------------------------------------


def closure_context(request, measure, *, form=None, standalone=False) -> dict:
    """The closure request form with what the unit should know first: the evidence of this
    round of work (uploaded since the measure was started or last returned), the last reported
    percent, open milestones."""
    fresh = list(states.fresh_evidence(measure).order_by("-uploaded_at", "-id"))
    if form is None:
        form = ClosureRequestForm(
            measure=measure, fresh=len(fresh), initial={"version": measure.version}
        )
    return {
        "measure": measure,
        "form": form,
        "fresh": fresh,
        "last_percent": _latest_percents([measure.pk]).get(measure.pk),
        "open_milestones": measure.milestones.filter(done_on=None).count(),
        "transition": states.TRANSITIONS["request_closure"],
        "standalone": standalone,
    }


@login_required
@vary_on_headers("HX-Request")
def measure_request_closure(request, pk):
    """申请销号: what was done (required) and, if wanted, more evidence in the same form; the
    files and the request in one transaction."""
    measure = get_measure_for_user(request.user, pk, write=True)
    if request.method != "POST":
        context = closure_context(request, measure, standalone=not is_htmx(request))
        if is_htmx(request):
            return render(request, "ledger/work/_closure_form.html", context)
        return _form_page(request, measure, "closure", context)
    fresh = states.fresh_evidence(measure).count()
    form = ClosureRequestForm(request.POST, request.FILES, measure=measure, fresh=fresh)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _store(measure, request.user, data["files"])
                measure = services.transition(
                    measure,
                    "request_closure",
                    actor=request.user,
                    reason=data["description"],
                    expected_version=data["version"],
                )
        except _FileRefused as e:
            form.add_error("files", e.message)
            status = e.status
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            messages.success(
                request,
                _("Closure requested: the office will verify the measure and its evidence."),
            )
            target = reverse("measure-detail", args=[measure.pk])
            if is_htmx(request):
                return HttpResponse(headers={"HX-Redirect": target})
            return redirect(target)
    context = closure_context(request, measure, form=form, standalone=not is_htmx(request))
    if is_htmx(request):
        return render(request, "ledger/work/_closure_form.html", context)
    return _form_page(request, measure, "closure", context, status=status)


# --- extension request (延期申请) ----------------------------------------------------------------


def extension_context(request, measure, *, form=None, flash=None, standalone=False) -> dict:
    """The unit's extension requests: the one waiting (instead of the form), the decided ones
    with the office's reply; the form when the unit may ask."""
    asked = list(
        measure.extension_requests.select_related("requested_by", "decided_by").order_by(
            "-requested_at", "-id"
        )
    )
    pending = next((x for x in asked if x.status == ExtensionStatus.PENDING), None)
    may_ask = (
        pending is None
        and measure.state in OPEN_STATES
        and states.UNIT in states.actor_kinds(request.user, measure)
    )
    if form is None and may_ask:
        form = ExtensionForm(measure=measure)
    return {
        "measure": measure,
        "form": form if pending is None else None,
        "pending": pending,
        "decided": [x for x in asked if x.status != ExtensionStatus.PENDING],
        "flash": flash,
        "standalone": standalone,
    }


@login_required
@vary_on_headers("HX-Request")
def measure_extension(request, pk):
    """延期申请: the unit asks the office to move the deadline, with a reason."""
    measure = get_measure_for_user(request.user, pk, write=True)
    if request.method != "POST":
        context = extension_context(request, measure, standalone=not is_htmx(request))
        if is_htmx(request):
            return render(request, "ledger/work/_extension.html", context)
        return _form_page(request, measure, "extension", context)
    form = ExtensionForm(request.POST, measure=measure)
    status = 400
    if form.is_valid():
        try:
            extension = services.request_extension(
                measure,
                actor=request.user,
                requested_deadline=form.cleaned_data["requested_deadline"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as e:
            form.add_error(None, e.message)
            status = status_of(e)
        else:
            done = _("Extension to %(date)s requested: the office will decide.") % {
                "date": extension.requested_deadline.isoformat()
            }
            if is_htmx(request):
                context = extension_context(request, measure, flash=done)
                return render(request, "ledger/work/_extension.html", context)
            messages.success(request, done)
            return redirect(safe_next(request, reverse("measure-detail", args=[measure.pk])))
    context = extension_context(request, measure, form=form, standalone=not is_htmx(request))
    if is_htmx(request):
        return render(request, "ledger/work/_extension.html", context)
    return _form_page(request, measure, "extension", context, status=status)


# --- phase complete (阶段性完成) of a long-term measure -------------------------------------------


@login_required
@require_POST
def measure_phase_complete(request, pk):
    """阶段性完成: a long-term measure's current phase is done; the measure stays open. Who may
    is the state rule's (states.can_mark_phase_complete, through the service, as the API)."""
    measure = get_measure_for_user(request.user, pk)
    target = reverse("measure-detail", args=[measure.pk])
    form = TransitionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
    else:
        try:
            services.mark_phase_complete(
                measure,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as e:
            if status_of(e) == 403:
                raise PermissionDenied(e.message) from e
            messages.error(request, e.message)
        else:
            messages.success(
                request, _("The current phase is marked complete; the measure stays open.")
            )
    if is_htmx(request):
        return HttpResponse(headers={"HX-Redirect": target})
    return redirect(target)


# --- a form's own page (without JavaScript, or to show its errors after a plain POST) ----------


def _form_page(request, measure, kind: str, context: dict, *, status: int = 200):
    context = {**context, "campaign": measure.campaign, "measure": measure, "kind": kind}
    return render(request, "ledger/work/form_page.html", context, status=status)
