"""The office's pages. Thin: lists from ledger/worklists.py, access from office/scoping.py,
writes via ledger/services.py.

- 待办 (to-do): closure requests to verify, extension requests, re-checks due, closures to
  confirm (for the person a confirmation rule names);
- the verification page of a measure: the closure request, this round's evidence, milestones,
  progress and history beside the decisions (销号 with the 验收意见, 退回, 暂不具备整改条件,
  reopening, the second confirmation);
- extension decisions, re-checks (回头看) and the second-confirmation rules.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.audit.timeline import timeline
from rectify.campaigns.scoping import get_campaign_for_office, get_campaign_for_user
from rectify.core.errors import ConflictError, DomainError
from rectify.core.pages import (
    form_errors_to_messages,
    is_htmx,
    redirect_back,
    safe_next,
    status_of,
)
from rectify.ledger import derived, services, states, worklists
from rectify.ledger.choices import MeasureState, RecheckResult, Source
from rectify.ledger.models import ClosureRequest, ConfirmationRule, Measure, Milestone
from rectify.ledger.office import scoping
from rectify.ledger.office.forms import (
    DECISION_FORMS,
    TRANSITION_OF,
    ConfirmationRuleForm,
    ExtensionDecisionForm,
    RecheckRecordForm,
    RecheckScheduleForm,
    decision_forms,
)
from rectify.ledger.scoping import get_measure_for_user

# --- 待办 -------------------------------------------------------------------------------------


@dataclass
class ClosureRow:
    """A closure request waiting for verification, as the to-do list shows it."""

    measure: Measure
    request: ClosureRequest | None
    days_waiting: int
    open_milestones: int
    own: bool  # the reader made the request: someone else must verify it

    @property
    def below_full(self) -> bool:
        pct = self.request.percent_done if self.request else None
        return pct is None or pct < 100


def _closure_rows(user, measures: list[Measure], today: dt.date) -> list[ClosureRow]:
    ids = [m.pk for m in measures]
    latest: dict[int, ClosureRequest] = {}
    for r in (
        ClosureRequest.objects.filter(measure__in=ids)
        .select_related("requested_by")
        .order_by("measure_id", "-requested_at", "-id")
    ):
        latest.setdefault(r.measure_id, r)
    open_steps = dict(
        Milestone.objects.filter(measure__in=ids, done_on=None)
        .values("measure")
        .annotate(n=Count("id"))
        .values_list("measure", "n")
    )
    rows = []
    for m in measures:
        r = latest.get(m.pk)
        asked = timezone.localdate(r.requested_at) if r else today
        rows.append(
            ClosureRow(
                measure=m,
                request=r,
                days_waiting=max((today - asked).days, 0),
                open_milestones=open_steps.get(m.pk, 0),
                own=r is not None and r.requested_by_id == user.pk,
            )
        )
    # The longest waiting first.
    rows.sort(key=lambda row: row.request.requested_at if row.request else timezone.now())
    return rows


@login_required
def todo(request, slug):
    """待办: closure requests to verify, extension requests, re-checks due; the closures waiting
    for a second confirmation of the reader's."""
    campaign = get_campaign_for_user(request.user, slug)
    if not scoping.may_see_todo(request.user, campaign):
        raise PermissionDenied
    today = derived.today()
    worklist = worklists.office_todo(request.user, campaign, on=today)
    is_office = scoping.can_verify(request.user, campaign)
    shown = {"closure", "extension", "recheck"} if is_office else set()
    if scoping.is_confirmer_in(request.user, campaign):
        shown.add("confirm")
    groups = [g for g in worklist.groups if g.key in shown]
    context = {
        "campaign": campaign,
        "worklist": worklist,
        "groups": groups,
        "is_office": is_office,
        "today": today,
        "calendar_years": derived.due_soon_warning_years(campaign, today),
        "closure_rows": _closure_rows(request.user, worklist.group("closure").items, today),
        "here": request.get_full_path(),
    }
    return render(request, "ledger/office/todo.html", context)


# --- the verification page --------------------------------------------------------------------


def _done_message(name: str, measure: Measure, recheck_on) -> str:
    messages_by_name = {
        "accept": _("The measure is closed with your verification opinion."),
        "return": _("The closure request was returned to %(unit)s with your reasons."),
        "not_feasible": _(
            "The measure is closed as “conditions not yet met”; it is counted apart."
        ),
        "reopen": _("The measure is reopened; the relapse is counted."),
        "confirm": _("The closure is confirmed."),
        "decline": _("The closure is declined: the measure goes back to %(unit)s."),
    }
    text = messages_by_name[name]
    if "%(unit)s" in text:
        text = text % {"unit": measure.responsible_unit}
    if name == "accept" and recheck_on is not None:
        text += " " + _("A re-check is set for %(date)s.") % {"date": recheck_on.isoformat()}
    return text


def _decide(measure: Measure, name: str, form, actor) -> Measure:
    data = form.cleaned_data
    if name == "confirm":
        return services.confirm_closure(measure, actor=actor, reason=data.get("note", ""))
    reason = data["opinion"] if name == "accept" else data["reason"]
    return services.transition(
        measure,
        TRANSITION_OF[name],
        actor=actor,
        reason=reason,
        expected_version=data.get("version"),
        recheck_on=data.get("recheck_on") if name == "accept" else None,
    )


@login_required
def verify(request, pk):
    """The verification page of a measure's closure request, and the office's decisions on it
    (POST: `decision` names which form was sent)."""
    measure = scoping.get_measure_for_verifier(request.user, pk)
    status = 200
    bound = None
    conflict = ""
    if request.method == "POST":
        name = request.POST.get("decision", "")
        if name not in DECISION_FORMS:
            messages.error(request, _("Choose a decision."))
            return redirect("measure-verify", pk=measure.pk)
        form = DECISION_FORMS[name](request.POST, prefix=name)
        if form.is_valid():
            try:
                after = _decide(measure, name, form, request.user)
            except ConflictError as e:
                # Shown, not overwritten: the page shows the measure as stored now, the text
                # typed is kept, and sending it again decides on what is now shown.
                conflict = e.message
                status = 409
                measure = scoping.get_measure_for_verifier(request.user, pk)
                initial = {**form.cleaned_data, "version": measure.version}
                form = DECISION_FORMS[name](prefix=name, initial=initial)
            except DomainError as e:
                form.add_error(None, e.message)
                # Deciding on one's own request is a missing right, whatever the roles held.
                status = 403 if e.code == "own_request" else status_of(e)
            else:
                messages.success(
                    request, _done_message(name, after, form.cleaned_data.get("recheck_on"))
                )
                default = reverse("office-todo", args=[measure.campaign.slug])
                return redirect(safe_next(request, default))
        else:
            status = 400
        bound = (name, form)
    context = _verify_context(request, measure, bound)
    context["conflict"] = conflict
    if bound is not None and bound[0] not in context["decisions"]:
        # A decision this reader cannot take now has no form on the page to show its errors.
        context["refusal"] = " ".join(_error_texts(bound[1]))
    return render(request, "ledger/office/verify.html", context, status=status)


def _verify_context(request, measure: Measure, bound) -> dict:
    user = request.user
    request_row = states.pending_request(measure)
    if request_row is not None:  # with its requester, for the page
        request_row = ClosureRequest.objects.select_related("requested_by").get(pk=request_row.pk)
    pending = request_row if measure.state == MeasureState.CLOSURE_REQUESTED else None
    all_evidence = list(measure.evidence.select_related("uploaded_by", "report"))
    fresh_ids = set(states.fresh_evidence(measure).values_list("pk", flat=True))
    fresh = [ev for ev in all_evidence if ev.pk in fresh_ids]
    milestones = list(measure.milestones.all())
    open_milestones = [ms for ms in milestones if ms.done_on is None]
    reports = list(measure.reports.select_related("reported_by").order_by("-reported_on", "-id"))
    verifications = list(
        measure.verifications.select_related("decided_by", "closure_request__requested_by")
    )
    extensions = list(measure.extension_requests.all())
    rechecks = list(measure.rechecks.select_related("done_by"))
    names = {t.name for t in states.available(measure, user)}
    decisions = {d for d, t in TRANSITION_OF.items() if t in names}
    if "decline_confirmation" in names:
        decisions.add("confirm")
    own = pending is not None and pending.requested_by_id == user.pk
    # The confirmer of a closure is not the person who asked for it either.
    own_confirm = (
        measure.awaiting_confirmation
        and request_row is not None
        and request_row.requested_by_id == user.pk
    )
    percent = pending.percent_done if pending is not None else None
    today = derived.today()
    return {
        "campaign": measure.campaign,
        "measure": measure,
        "pending": pending,
        "last_request": request_row,
        "days_waiting": (today - timezone.localdate(pending.requested_at)).days if pending else 0,
        "fresh_evidence": fresh,
        "earlier_evidence": len(all_evidence) - len(fresh),
        "milestones": milestones,
        "open_milestones": open_milestones,
        "reports": reports,
        "verifications": verifications,
        "decisions": decisions,
        "own_request": own,
        "own_confirm": own_confirm,
        "below_full": pending is not None and (percent is None or percent < 100),
        "percent": percent,
        "forms": decision_forms(measure.version, bound),
        "is_office": scoping.can_verify(user, measure.campaign),
        "due_status": derived.due_status(measure),
        "days_overdue": derived.days_overdue(measure),
        "rechecks": rechecks,
        "recheck_form": RecheckScheduleForm(),
        "timeline": timeline(
            [measure, *milestones, *reports, *all_evidence, *extensions, *rechecks]
        ),
    }


# --- re-checks (回头看) ---------------------------------------------------------------------------


@login_required
@require_POST
def recheck_schedule(request, pk):
    """The office sets a re-check of a closed measure (from the measure page)."""
    measure = get_measure_for_user(request.user, pk)
    if not scoping.can_verify(request.user, measure.campaign):
        raise PermissionDenied
    form = RecheckScheduleForm(request.POST)
    default = reverse("measure-detail", args=[measure.pk])
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect_back(request, default)
    try:
        services.schedule_recheck(measure, actor=request.user, due_on=form.cleaned_data["due_on"])
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("A re-check is set for %(date)s.")
            % {"date": form.cleaned_data["due_on"].isoformat()},
        )
    return redirect_back(request, default)


@login_required
@require_POST
def recheck_record(request, pk):
    """The office records a re-check's result: held, or relapsed (the measure reopens).
    From a list (htmx) the answer replaces the re-check's row."""
    recheck = scoping.get_recheck_for_office(request.user, pk)
    default = reverse("rechecks", args=[recheck.measure.campaign.slug])
    form = RecheckRecordForm(request.POST)
    errors, done, level = _error_texts(form), "", "success"
    if not errors:
        result = form.cleaned_data["result"]
        try:
            services.record_recheck(
                recheck, actor=request.user, result=result, note=form.cleaned_data["note"]
            )
        except DomainError as e:
            errors = [e.message]
        else:
            if result == RecheckResult.RELAPSED:
                level = "warning"
                done = _(
                    "Recorded as relapsed: the measure is reopened and goes back to %(unit)s."
                ) % {"unit": recheck.measure.responsible_unit}
            else:
                done = _("Recorded: the rectification held.")
    return _answer(request, errors, done, default, f"#rc-{recheck.pk}-errors", level=level)


@login_required
def rechecks(request, slug):
    """The re-check list: due and upcoming, and the latest results. The office records results;
    a unit sees its own measures' re-checks."""
    campaign = get_campaign_for_user(request.user, slug)
    if not scoping.may_see_rechecks(request.user, campaign):
        raise PermissionDenied
    today = derived.today()
    qs = scoping.scope_rechecks(request.user, campaign).select_related(
        "measure__problem", "measure__responsible_unit", "done_by", "scheduled_by"
    )
    pending = qs.filter(result=RecheckResult.PENDING).order_by("due_on", "pk")
    context = {
        "campaign": campaign,
        "today": today,
        "due": list(pending.filter(due_on__lte=today)),
        "upcoming": list(pending.filter(due_on__gt=today)),
        "done": list(qs.exclude(result=RecheckResult.PENDING).order_by("-done_on", "-pk")[:50]),
        "is_office": scoping.can_verify(request.user, campaign),
        "here": request.get_full_path(),
    }
    return render(request, "ledger/office/rechecks.html", context)


# --- extension requests (延期申请) ----------------------------------------------------------------


@login_required
@require_POST
def extension_decide(request, pk):
    """The office grants (the date asked, or another) or refuses (with a reason) an extension.
    From the to-do list (htmx) the answer replaces the request's row."""
    extension = scoping.get_extension_for_office(request.user, pk)
    default = reverse("office-todo", args=[extension.measure.campaign.slug])
    form = ExtensionDecisionForm(request.POST, extension=extension)
    errors, done = _error_texts(form), ""
    if not errors:
        try:
            services.decide_extension(
                extension,
                actor=request.user,
                grant=form.grant,
                reason=form.cleaned_data["reason"],
                deadline=form.cleaned_data["deadline"],
            )
        except DomainError as e:
            errors = [e.message]
        else:
            measure = Measure.objects.get(pk=extension.measure_id)
            if form.grant:
                done = _("Extension granted: the deadline is now %(date)s.") % {
                    "date": measure.deadline.isoformat() if measure.deadline else "—"
                }
            else:
                done = _("Extension refused; the unit sees your reply.")
    return _answer(request, errors, done, default, f"#ext-{extension.pk}-errors")


# --- second confirmation rules ------------------------------------------------------------------


@login_required
def confirmation_rules(request, slug):
    """Which person confirms closures of problems from which source (second confirmation)."""
    campaign = get_campaign_for_office(request.user, slug)
    status = 200
    if request.method == "POST":
        form = ConfirmationRuleForm(request.POST, campaign=campaign)
        if form.is_valid():
            try:
                services.create_confirmation_rule(
                    campaign,
                    actor=request.user,
                    source=form.cleaned_data["source"],
                    confirmer=form.cleaned_data["confirmer"],
                )
            except DomainError as e:
                form.add_error(None, e.message)
                status = status_of(e)
            else:
                messages.success(
                    request,
                    _("Closures of “%(source)s” problems now count once %(person)s confirms them.")
                    % {
                        "source": Source(form.cleaned_data["source"]).label,
                        "person": form.cleaned_data["confirmer"],
                    },
                )
                return redirect("confirmation-rules", slug=campaign.slug)
        else:
            status = 400
    else:
        form = ConfirmationRuleForm(campaign=campaign)
    rules = list(
        ConfirmationRule.objects.filter(campaign=campaign)
        .select_related("confirmer")
        .order_by("source")
    )
    waiting = dict(
        Measure.objects.filter(
            campaign=campaign, state=MeasureState.CLOSED, awaiting_confirmation=True
        )
        .values("problem__source")
        .annotate(n=Count("id"))
        .values_list("problem__source", "n")
    )
    for rule in rules:
        rule.waiting = waiting.get(rule.source, 0)
    context = {"campaign": campaign, "rules": rules, "form": form}
    return render(request, "ledger/office/confirmation_rules.html", context, status=status)


@login_required
@require_POST
def confirmation_rule_delete(request, slug, pk):
    campaign = get_campaign_for_office(request.user, slug)
    rule = get_object_or_404(ConfirmationRule, campaign=campaign, pk=pk)
    try:
        services.delete_confirmation_rule(rule, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("Closures of “%(source)s” problems no longer need a second confirmation.")
            % {"source": rule.get_source_display()},
        )
    return redirect("confirmation-rules", slug=campaign.slug)


# --- answers to the inline forms of the lists -----------------------------------------------------


def _error_texts(form) -> list[str]:
    """A form's errors as lines, each named by its field (as form_errors_to_messages does)."""
    if form.is_valid():
        return []
    out = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        out.extend(f"{label}: {e}" if label else e for e in errors)
    return out


def _answer(request, errors, done: str, default: str, error_target: str, *, level="success"):
    """After an inline form: for htmx, the row's replacement (done) or the errors shown in the
    form's error slot (HX-Retarget); otherwise a message and back to the page it came from."""
    if is_htmx(request):
        context = {"errors": errors, "done": done, "level": level}
        response = render(request, "ledger/office/_inline_answer.html", context)
        if errors:
            response["HX-Retarget"] = error_target
            response["HX-Reswap"] = "innerHTML"
        return response
    for e in errors:
        messages.error(request, e)
    if done:
        messages.add_message(request, getattr(messages, level.upper()), done)
    return redirect_back(request, default)
