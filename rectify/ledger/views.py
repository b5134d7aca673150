"""Pages of the ledger: the problem list and detail, the measure detail, edit and transitions.

Thin views: every lookup goes through ledger/scoping.py, every write through ledger/services.py,
every figure through ledger/derived.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.audit.timeline import timeline
from rectify.campaigns.scoping import get_campaign_for_office, get_campaign_for_user
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.core.pages import form_errors_to_messages, is_htmx, redirect_back
from rectify.feedback.scoping import scope_feedback
from rectify.ledger import derived, previews, routing, services, states
from rectify.ledger.choices import MeasureState
from rectify.ledger.filtering import ProblemFilter
from rectify.ledger.forms import (
    BulkClassifyForm,
    CategoryForm,
    ProblemForm,
    ProblemListForm,
    category_choices,
)
from rectify.ledger.inputs import MeasureForm, TransitionForm
from rectify.ledger.models import (
    Category,
    Evidence,
    ExtensionRequest,
    Milestone,
    ProblemList,
    ProgressReport,
    Recheck,
)
from rectify.ledger.planning.forms import BulkAssignForm
from rectify.ledger.scoping import (
    can_change_measure,
    can_change_problem,
    can_change_problems,
    can_reimport_ledger,
    get_evidence_for_user,
    get_measure_for_user,
    get_problem_for_user,
    scope_measures,
    scope_problems,
)
from rectify.orgs.models import OrgUnit
from rectify.supervision.scoping import (
    actions_about_measure,
    actions_about_problem,
    scope_supervision_actions,
)

PAGE_SIZE = 50


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
    is_office = can_change_problems(request.user, campaign)
    bulk_form = assign_form = None
    if is_office and not is_htmx(request):
        # The filter and the bulk form offer the same categories and lists: read them once.
        categories = category_choices(campaign)
        lists = list(
            ProblemList.objects.filter(campaign=campaign)
            .order_by("order", "id")
            .values_list("pk", "name")
        )
        pf.form.fields["category"].choices = [("", pf.form.fields["category"].empty_label)]
        pf.form.fields["category"].choices += categories
        pf.form.fields["list"].choices = [("", pf.form.fields["list"].empty_label), *lists]
        bulk_form = BulkClassifyForm(campaign=campaign, categories=categories, lists=lists)
        assign_form = BulkAssignForm(campaign=campaign)
    context = {
        "campaign": campaign,
        "form": pf.form,
        "page": page,
        "is_office": is_office,
        "can_reimport": can_reimport_ledger(request.user, campaign),
        "bulk_form": bulk_form,
        "assign_form": assign_form,
    }
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
            "cooperating_units",
            Prefetch("reports", queryset=ProgressReport.objects.order_by("-reported_on", "-id")),
        )
    )
    merges = (
        problem.merges.filter(feedback_item__in=scope_feedback(request.user, campaign))
        .select_related("feedback_item__region", "merged_by")
        .order_by("merged_at", "pk")
    )
    is_office = can_change_problem(request.user, problem)
    context = {
        "campaign": campaign,
        "problem": problem,
        "state": derived.problem_state(problem),
        "merges": merges,
        "measures": measures,
        "timeline": timeline(
            [
                problem,
                *(m.feedback_item for m in merges),
                *records_of(measures),
                # supervision about the problem or its measures (inspections, notices, follow-ups)
                *actions_about_problem(request.user, campaign, problem).only("pk"),
            ]
        ),
        "is_office": is_office,
        # Suggestions only for the office (who decides), only for what the problem lacks.
        "suggestions": routing.suggest_for(problem) if is_office and _lacks(problem) else None,
    }
    return render(request, "ledger/problem_detail.html", context)


def records_of(measures) -> list:
    """The measures and everything logged about them, for one timeline in order: milestones,
    progress, evidence, extension requests and re-checks (transitions, verifications and
    reopenings are logged on the measure itself)."""
    measures = list(measures)
    out: list = list(measures)
    for model in (Milestone, ProgressReport, Evidence, ExtensionRequest, Recheck):
        out.extend(model.objects.filter(measure__in=measures).only("pk"))
    return out


def _lacks(problem) -> bool:
    return problem.category_id is None or problem.lead_unit_id is None


def _apply_suggestion(data, form_data):
    """The form's data with a suggested value put in, when the user clicked "apply"."""
    field, _sep, value = (data.get("apply") or "").partition(":")
    if field in routing.TARGETS and value.isdigit():
        form_data[field] = value
        return True
    return False


@login_required
def problem_create(request, slug):
    """A new problem (the office). "Suggest" and "apply" re-show the form without saving."""
    campaign = get_campaign_for_office(request.user, slug)
    suggestions = None
    status = 200
    if request.method == "POST":
        data = request.POST.copy()
        action = data.get("action", "save")
        applied = _apply_suggestion(request.POST, data)
        form = ProblemForm(data, campaign=campaign)
        if action == "suggest" or applied:
            form.is_valid()
            suggestions = _suggest_from(campaign, data)
            form = ProblemForm(initial=_initial(form, data), campaign=campaign)
        elif form.is_valid():
            values = form.values()
            try:
                problem = services.create_problem(
                    campaign,
                    actor=request.user,
                    title=values.pop("title"),
                    source=values.pop("source"),
                    **values,
                )
            except DomainError as e:
                form.add_error(None, e.message)
                status = 400
            else:
                messages.success(request, _("The problem was added to the ledger."))
                return redirect("problem-detail", slug=campaign.slug, number=problem.number)
        else:
            status = 400
    else:
        form = ProblemForm(campaign=campaign)
    context = {
        "campaign": campaign,
        "form": form,
        "suggestions": suggestions,
        "asked": request.POST.get("action") == "suggest",
        "problem": None,
    }
    return render(request, "ledger/problem_form.html", context, status=status)


@login_required
def problem_edit(request, slug, number):
    campaign = get_campaign_for_office(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    status = 200
    current = None
    suggestions = None
    if request.method == "POST":
        data = request.POST.copy()
        action = data.get("action", "save")
        applied = _apply_suggestion(request.POST, data)
        form = ProblemForm(data, campaign=campaign, problem=problem)
        if action == "suggest" or applied:
            form.is_valid()
            suggestions = _suggest_from(campaign, data)
            form = ProblemForm(initial=_initial(form, data), campaign=campaign, problem=problem)
        elif form.is_valid():
            try:
                services.update_problem(
                    problem,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"] or problem.version,
                    **form.changes(),
                )
            except ConflictError as e:
                form.add_error(None, e.message)
                status = 409
                current = problem  # as stored now, so the user sees what changed
            except DomainError as e:
                form.add_error(None, e.message)
                status = 400
            else:
                messages.success(request, _("The problem was saved."))
                return redirect("problem-detail", slug=campaign.slug, number=problem.number)
        else:
            status = 400
    else:
        form = ProblemForm(campaign=campaign, problem=problem)
        if _lacks(problem):
            suggestions = routing.suggest_for(problem)
    context = {
        "campaign": campaign,
        "form": form,
        "problem": problem,
        "current": current,
        "suggestions": suggestions,
        "asked": request.POST.get("action") == "suggest",
    }
    return render(request, "ledger/problem_form.html", context, status=status)


def _suggest_from(campaign, data):
    return routing.suggest(
        campaign, title=data.get("title", ""), description=data.get("description", "")
    )


def _initial(form, data) -> dict:
    """What the user typed, as initial values of an unbound form (no errors shown yet)."""
    initial = {}
    for name in form.fields:
        if name == "lists":
            initial[name] = data.getlist(name)
        elif name == "is_prominent":
            initial[name] = name in data and data.get(name) not in ("", "false", "0")
        else:
            initial[name] = data.get(name, "")
    return initial


@login_required
@require_POST
def problem_apply_suggestion(request, slug, number):
    """Apply one routing suggestion the office clicked on the problem page."""
    campaign = get_campaign_for_office(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    field, value, version = (
        request.POST.get("field"),
        request.POST.get("value", ""),
        request.POST.get("version", ""),
    )
    if field not in routing.TARGETS or not value.isdigit() or not version.isdigit():
        messages.error(request, _("That suggestion could not be applied."))
        return redirect("problem-detail", slug=campaign.slug, number=problem.number)
    if field == "category":
        target = Category.objects.filter(campaign=campaign, pk=value).first()
    else:
        target = OrgUnit.objects.subtree(campaign.org_unit).filter(pk=value).first()
    if target is None:
        raise Http404(field)
    try:
        services.update_problem(
            problem, actor=request.user, expected_version=int(version), **{field: target}
        )
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("“%(value)s” was set as the %(field)s.")
            % {"value": target, "field": problem._meta.get_field(field).verbose_name},
        )
    return redirect("problem-detail", slug=campaign.slug, number=problem.number)


@login_required
@require_POST
def problem_classify(request, slug):
    """Classify the ticked problems of the list page at once (the office)."""
    campaign = get_campaign_for_office(request.user, slug)
    form = BulkClassifyForm(request.POST, campaign=campaign)
    back = reverse("problem-list", args=[campaign.slug])
    query = request.POST.get("query", "")
    if query and not query.startswith("?"):
        query = ""
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(back + query)
    problems = scope_problems(request.user, campaign).filter(
        pk__in=[p.pk for p in form.cleaned_data["problems"]]
    )
    try:
        changed = services.bulk_classify(
            campaign,
            list(problems),
            actor=request.user,
            **form.changes(),
            **form.list_changes(),
        )
    except DomainError as e:
        messages.error(request, e.message)
    else:
        ticked = len(form.cleaned_data["problems"])
        messages.success(
            request,
            ngettext(
                "%(n)d of %(ticked)d ticked problem was changed.",
                "%(n)d of %(ticked)d ticked problems were changed.",
                ticked,
            )
            % {"n": len(changed), "ticked": ticked},
        )
    return redirect(back + query)


# --- problem lists and the category tree -------------------------------------------------------


def _counts(user, campaign, field: str) -> dict[int, int]:
    """How many problems the user may see per list / category."""
    rows = (
        scope_problems(user, campaign)
        .filter(**{f"{field}__isnull": False})
        .values(field)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {row[field]: row["n"] for row in rows}


def _add(request, form, create, done: str) -> int | None:
    """The office's add form on the lists and categories pages: create through the service
    (`create(campaign, actor=…, **fields)`); None once saved, else the status to answer with
    the form and its errors."""
    if not form.is_valid():
        return 400
    try:
        create(form.campaign, actor=request.user, **form.cleaned_data)
    except DomainError as e:
        form.add_error(None, e.message)
        return 400
    messages.success(request, done)
    return None


def _rename(request, form, update, done: str) -> None:
    """A list's or category's inline edit form, saved through the service
    (`update(instance, actor=…, **fields)`); the outcome is a message on the page it returns to."""
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return
    try:
        update(form.instance, actor=request.user, **form.cleaned_data)
    except DomainError as e:
        messages.error(request, e.message)
        return
    messages.success(request, done)


@login_required
def problem_lists(request, slug):
    """The campaign's named lists (e.g. "1+3") with their counts; the office adds and renames."""
    campaign = get_campaign_for_user(request.user, slug)
    is_office = can_change_problems(request.user, campaign)
    form = ProblemListForm(campaign=campaign) if is_office else None
    status = 200
    if request.method == "POST":
        if not is_office:
            raise PermissionDenied
        form = ProblemListForm(request.POST, campaign=campaign)
        status = _add(request, form, services.create_problem_list, _("The list was added."))
        if status is None:
            return redirect("problem-lists", slug=campaign.slug)
    counts = _counts(request.user, campaign, "lists")
    lists = list(ProblemList.objects.filter(campaign=campaign).order_by("order", "id"))
    for pl in lists:
        pl.count = counts.get(pl.pk, 0)
        pl.form = ProblemListForm(campaign=campaign, instance=pl, prefix=f"l{pl.pk}")
    context = {"campaign": campaign, "lists": lists, "form": form, "is_office": is_office}
    return render(request, "ledger/problem_lists.html", context, status=status)


@login_required
@require_POST
def problem_list_edit(request, slug, pk):
    campaign = get_campaign_for_office(request.user, slug)
    problem_list = ProblemList.objects.filter(campaign=campaign, pk=pk).first()
    if problem_list is None:
        raise Http404("problem list")
    form = ProblemListForm(
        request.POST, campaign=campaign, instance=problem_list, prefix=f"l{problem_list.pk}"
    )
    _rename(request, form, services.update_problem_list, _("The list was saved."))
    return redirect("problem-lists", slug=campaign.slug)


@login_required
def categories(request, slug):
    """The category tree (对照标准) with counts; the office adds and renames categories."""
    campaign = get_campaign_for_user(request.user, slug)
    is_office = can_change_problems(request.user, campaign)
    form = CategoryForm(campaign=campaign) if is_office else None
    status = 200
    if request.method == "POST":
        if not is_office:
            raise PermissionDenied
        form = CategoryForm(request.POST, campaign=campaign)
        status = _add(request, form, services.create_category, _("The category was added."))
        if status is None:
            return redirect("categories", slug=campaign.slug)
    counts = _counts(request.user, campaign, "category")
    nodes = {c.pk: c for c in Category.objects.filter(campaign=campaign)}
    tree = []
    for pk, label in category_choices(campaign):
        node = nodes[pk]
        node.depth = len(label) - len(label.lstrip("　"))
        node.count = counts.get(pk, 0)
        if is_office:
            node.form = CategoryForm(campaign=campaign, instance=node, prefix=f"c{pk}")
        tree.append(node)
    context = {"campaign": campaign, "tree": tree, "form": form, "is_office": is_office}
    return render(request, "ledger/categories.html", context, status=status)


@login_required
@require_POST
def category_edit(request, slug, pk):
    campaign = get_campaign_for_office(request.user, slug)
    category = Category.objects.filter(campaign=campaign, pk=pk).first()
    if category is None:
        raise Http404("category")
    form = CategoryForm(request.POST, campaign=campaign, instance=category, prefix=f"c{pk}")
    _rename(request, form, services.update_category, _("The category was saved."))
    return redirect("categories", slug=campaign.slug)


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
        "may_mark_phase_complete": states.may_mark_phase_complete(measure, request.user),
        "calendar_years": derived.calendar_warning_years(measure),
        "can_change": can_change_measure(request.user, measure),
        "timeline": timeline(
            [
                *records_of([measure]),
                # 催办, notices naming it, the inspection it follows up
                *actions_about_measure(request.user, measure.campaign, measure).only("pk"),
            ]
        ),
        # the supervision whose finding this measure follows up, for those who read it
        "origins": scope_supervision_actions(request.user, measure.campaign).filter(
            follow_ups=measure
        ),
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
                    deadline_reason=form.reason_for_move(),
                    **form.changes(),
                )
            except ConflictError as e:
                form.add_error(None, e.message)
                status = 409
                current = measure  # as stored now, so the user can see what changed
            except PermissionRefused as e:
                form.add_error(None, e.message)
                status = 403
            except DomainError as e:
                form.add_error(None, e.message)
                status = 400
            else:
                messages.success(request, _("The measure was saved."))
                return redirect("measure-detail", pk=measure.pk)
    else:
        form = MeasureForm(measure=measure, user=request.user)
    context = {
        "campaign": measure.campaign,
        "measure": measure,
        "form": form,
        "current": current,
        "deadline_changes": measure.deadline_changes.select_related("changed_by").order_by("id"),
    }
    return render(request, "ledger/measure_edit.html", context, status=status)


@login_required
@require_POST
def measure_transition(request, pk, name):
    measure = get_measure_for_user(request.user, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect_back(request, reverse("measure-detail", args=[measure.pk]))
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
    return redirect_back(request, reverse("measure-detail", args=[measure.pk]))


@login_required
def evidence_download(request, pk):
    """The file, as an attachment; every download is recorded in the activity log."""
    evidence = get_evidence_for_user(request.user, pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    services.record_download(evidence, actor=request.user)
    return response


@login_required
def evidence_preview(request, pk):
    """The evidence's preview (PNG) for those who may see it; 404 when it has none."""
    evidence = get_evidence_for_user(request.user, pk)
    preview = previews.open_preview(evidence)
    if preview is None:
        raise Http404("preview")
    response = FileResponse(preview, content_type="image/png")
    # The same evidence always has the same preview (it is keyed by the file's sha256).
    patch_cache_control(response, private=True, max_age=24 * 3600)
    return response
