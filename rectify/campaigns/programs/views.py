"""Pages of the special programs (专项整治 / 专项行动): the list grouped as “1+5+5+2”, a
program with its problems and measures, the office's forms, and the roadmap chart.

Thin views: lookups through campaigns/scoping.py and ledger/scoping.py, writes through
campaigns/programs/services.py, figures through reports/roadmap.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.audit.timeline import timeline
from rectify.campaigns.programs import services
from rectify.campaigns.programs.inputs import ProgramForm, phase_formset
from rectify.campaigns.scoping import (
    can_edit_programs,
    get_campaign_for_user,
    get_program_for_user,
    scope_programs,
)
from rectify.core.errors import DomainError
from rectify.core.pages import is_htmx, status_of
from rectify.ledger import derived
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.reports import roadmap as roadmaps

SEARCH_LIMIT = 30


def _campaign_for_editor(user, slug):
    campaign = get_campaign_for_user(user, slug)
    if not can_edit_programs(user, campaign):
        raise PermissionDenied
    return campaign


@login_required
def program_list(request, slug):
    campaign = get_campaign_for_user(request.user, slug)
    programs = list(
        scope_programs(request.user, campaign)
        .select_related("lead_unit")
        .prefetch_related("phases")
        .annotate(
            problem_count=Count("problems", distinct=True),
            measure_count=Count("measures", distinct=True),
        )
        .order_by("id")
    )
    progress = roadmaps.program_progress(p.pk for p in programs)
    today = derived.today()
    for program in programs:
        program.progress = progress[program.pk]
        program.current_phase = next(
            (ph for ph in program.phases.all() if ph.starts_on <= today <= ph.ends_on), None
        )
    context = {
        "campaign": campaign,
        "groups": roadmaps.groups(programs),
        "count": len(programs),
        "can_edit": can_edit_programs(request.user, campaign),
    }
    return render(request, "campaigns/programs/program_list.html", context)


def _save_phases(program, formset, actor) -> None:
    """Apply the phase rows: change or delete the program's phases, add the new rows."""
    existing = {ph.pk: ph for ph in program.phases.all()}
    for form in formset:
        data = form.cleaned_data
        if not data:
            continue
        phase = existing.get(data.get("id"))
        if data.get("id") and phase is None:
            raise Http404("phase")
        if phase and data.get("DELETE"):
            services.delete_phase(phase, actor=actor)
        elif phase:
            services.update_phase(phase, actor=actor, **form.changes())
        elif not data.get("DELETE"):
            services.add_phase(program, actor=actor, **form.changes())


def _program_form(request, campaign, program=None):
    form = ProgramForm(request.POST or None, campaign=campaign, program=program)
    phases = phase_formset(request.POST or None, program=program)
    status = 200
    if request.method == "POST":
        if form.is_valid() and phases.is_valid():
            try:
                with transaction.atomic():
                    if program is None:
                        program = services.create_program(
                            campaign, actor=request.user, **form.changes()
                        )
                    else:
                        program = services.update_program(
                            program, actor=request.user, **form.changes()
                        )
                    _save_phases(program, phases, request.user)
            except DomainError as e:
                form.add_error(None, e.message)
                status = status_of(e)
            else:
                messages.success(
                    request, _("The program “%(name)s” was saved.") % {"name": program.name}
                )
                return redirect("program-detail", pk=program.pk)
        else:
            status = 400
    context = {
        "campaign": campaign,
        "form": form,
        "phases": phases,
        "program": program,
        "timeline": timeline([program]) if program else [],
    }
    return render(request, "campaigns/programs/program_form.html", context, status=status)


@login_required
def program_create(request, slug):
    campaign = _campaign_for_editor(request.user, slug)
    return _program_form(request, campaign)


@login_required
def program_edit(request, pk):
    program = get_program_for_user(request.user, pk, write=True)
    return _program_form(request, program.campaign, program)


@login_required
@require_POST
def program_delete(request, pk):
    program = get_program_for_user(request.user, pk, write=True)
    services.delete_program(program, actor=request.user)
    messages.success(request, _("The program “%(name)s” was deleted.") % {"name": program.name})
    return redirect("program-list", slug=program.campaign.slug)


@login_required
def program_detail(request, pk):
    user = request.user
    program = get_program_for_user(user, pk)
    campaign = program.campaign
    today = derived.today()
    problems = (
        derived.annotate_problem_state(scope_problems(user, campaign).filter(programs=program))
        .select_related("lead_unit")
        .annotate(
            measures_in_program=Count("measures", filter=Q(measures__programs=program)),
        )
        .order_by("number")
    )
    measures = list(roadmaps.program_measures(user, program, today))
    weights = roadmaps.weights_of([program.pk])
    for m in measures:
        m.weight = weights.get((program.pk, m.pk))
    context = {
        "campaign": campaign,
        "program": program,
        "phases": program.phases.all(),
        "problems": problems,
        "measures": measures,
        "progress": roadmaps.program_progress([program.pk])[program.pk],
        "today": today,
        "can_edit": can_edit_programs(user, campaign),
        "timeline": timeline([program]),
    }
    return render(request, "campaigns/programs/program_detail.html", context)


@login_required
def program_add(request, pk):
    """The office's picker: search the campaign's problems by number or words; tick problems
    and (offered with them) their measures; add them in one step."""
    user = request.user
    program = get_program_for_user(user, pk, write=True)
    campaign = program.campaign
    if request.method == "POST":
        numbers = [int(n) for n in request.POST.getlist("problem") if n.isdigit()]
        ids = [int(n) for n in request.POST.getlist("measure") if n.isdigit()]
        problems = list(scope_problems(user, campaign).filter(number__in=numbers))
        measures = list(scope_measures(user, campaign).filter(pk__in=ids))
        if not problems and not measures:
            messages.warning(request, _("Tick the problems or measures to add."))
            return redirect("program-add", pk=program.pk)
        services.add_problems(program, problems, actor=user, measures=measures)
        messages.success(
            request,
            _("Added %(problems)d problems and %(measures)d measures.")
            % {"problems": len(problems), "measures": len(measures)},
        )
        return redirect("program-detail", pk=program.pk)
    q = request.GET.get("q", "").strip()[:100]
    results = []
    if q:
        found = scope_problems(user, campaign)
        if q.isdigit():
            found = found.filter(number=int(q))
        else:
            found = found.filter(Q(title__icontains=q) | Q(description__icontains=q))
        results = list(
            found.order_by("number")
            .prefetch_related("measures__responsible_unit")
            .annotate(
                in_program=Count("programs", filter=Q(programs=program)),
            )[:SEARCH_LIMIT]
        )
        have = set(program.measures.values_list("pk", flat=True))
        for problem in results:
            problem.offered = list(problem.measures.all())
            for m in problem.offered:
                m.in_program = m.pk in have
    context = {
        "campaign": campaign,
        "program": program,
        "q": q,
        "results": results,
        "limit": SEARCH_LIMIT,
    }
    template = "campaigns/programs/_picker_results.html" if is_htmx(request) else None
    return render(request, template or "campaigns/programs/program_add.html", context)


@login_required
@require_POST
def program_remove(request, pk):
    """Take a problem (with its measures in the program, when asked) or a measure out."""
    user = request.user
    program = get_program_for_user(user, pk, write=True)
    campaign = program.campaign
    number, measure_id = request.POST.get("problem", ""), request.POST.get("measure", "")
    if number.isdigit():
        problem = scope_problems(user, campaign).filter(number=int(number)).first()
        if problem is None:
            raise Http404("problem")
        measures = problem.measures.all() if request.POST.get("with_measures") else ()
        services.remove_problem(program, problem, actor=user, measures=measures)
    elif measure_id.isdigit():
        measure = scope_measures(user, campaign).filter(pk=int(measure_id)).first()
        if measure is None:
            raise Http404("measure")
        services.remove_measure(program, measure, actor=user)
    else:
        messages.warning(request, _("Choose what to take out of the program."))
    return redirect("program-detail", pk=program.pk)


@login_required
@require_POST
def program_weight(request, pk):
    """Set (or clear, with an empty value) a measure's weight in the program."""
    user = request.user
    program = get_program_for_user(user, pk, write=True)
    measure_id, raw = request.POST.get("measure", ""), request.POST.get("weight", "").strip()
    measure = None
    if measure_id.isdigit():
        measure = scope_measures(user, program.campaign).filter(pk=int(measure_id)).first()
    if measure is None:
        raise Http404("measure")
    if raw and not (raw.isdigit() and 1 <= int(raw) <= 100):
        messages.error(request, _("Give the weight as a whole number from 1 to 100."))
        return redirect("program-detail", pk=program.pk)
    try:
        services.set_weight(program, measure, actor=user, weight=int(raw) if raw else None)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("The weight was saved."))
    return redirect("program-detail", pk=program.pk)


@login_required
def roadmap_view(request, slug):
    """Each program's phases, measures and milestones on a timeline (the chart draws the data
    in the page; the table under it shows the same for print and screen readers)."""
    user = request.user
    campaign = get_campaign_for_user(user, slug)
    programs = scope_programs(user, campaign).order_by("id")
    chosen = request.GET.get("program", "")
    all_programs = list(programs.only("pk", "name", "group_label"))
    if chosen.isdigit():
        programs = programs.filter(pk=int(chosen))
    data = roadmaps.roadmap(user, campaign, programs)
    context = {
        "campaign": campaign,
        "data": data,
        "all_programs": all_programs,
        "chosen": int(chosen) if chosen.isdigit() else None,
        "labels": {
            "today": _("Today"),
            "progress": _("Progress"),
            "late": _("late"),
            "milestone": _("Milestone"),
            "done": _("done"),
            "due": _("due"),
        },
    }
    return render(request, "campaigns/programs/roadmap.html", context)
