"""The pages that move an existing Excel ledger in (迁入已有台账), for the campaign office:

upload → mapping (a column for each field, a preview of the first rows, the default source and
the problem list) → units (each unit name of the file: matched, near misses, or pick one;
完成情况 words not understood) → confirm (what will be taken, what not) → report.

Thin: reading, matching and applying live in ledger/sheets/migration.py, access there too.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rectify.core.errors import DomainError, PermissionRefused
from rectify.core.pages import is_htmx, status_of
from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.spreadsheets.messages import render as render_note
from rectify.ledger.choices import Source
from rectify.ledger.models import ProblemList, SheetImport
from rectify.ledger.sheets import migration
from rectify.ledger.sheets.layout import SOURCE_WORDS

ACCEPT = ".xlsx,.xls,.csv"
LEAVE_OUT = "-"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("The existing ledger"),
        help_text=_(".xlsx, .xls or .csv (UTF-8 or GBK); title rows and merged headers are fine"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s."),
                params={"limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
            )
        return upload


class MappingForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source when the file says none"),
        choices=[(value, SOURCE_WORDS.get(value, label)) for value, label in Source.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    problem_list = forms.ModelChoiceField(
        label=_("Put the problems in the list"),
        queryset=ProblemList.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, si: SheetImport, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem_list"].queryset = ProblemList.objects.filter(campaign=si.campaign)
        choices = [("", _("— not imported —")), *((c, c) for c in columns)]
        self.field_names = []
        for spec in migration.FIELDS:
            name = f"col_{spec.name}"
            self.fields[name] = forms.ChoiceField(
                label=spec.label,
                choices=choices,
                required=spec.required,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.field_names.append(name)

    def column_fields(self):
        return [self[name] for name in self.field_names]


def _campaign(request, slug):
    try:
        return migration.get_campaign_for_office(request.user, slug)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc


def _si(request, slug, pk):
    campaign = _campaign(request, slug)
    return campaign, migration.get_migration_for_office(request.user, pk, campaign)


def _step_url(si, step):
    names = {
        "mapping": "ledger-migrate-mapping",
        "units": "ledger-migrate-units",
        "confirm": "ledger-migrate-confirm",
        "report": "ledger-migrate-report",
    }
    return reverse(names[step], args=[si.campaign.slug, si.pk])


def _applied(si):
    """Applied, or broken off while applying: either way the report is all there is to see."""
    return si.status in (SheetImport.Status.APPLIED, SheetImport.Status.FAILED)


@login_required
def upload(request, slug):
    campaign = _campaign(request, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            si = migration.upload(campaign, actor=request.user, upload_file=f, name=f.name)
        except SpreadsheetError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect(_step_url(si, "mapping"))
    recent = SheetImport.objects.filter(
        campaign=campaign, kind=SheetImport.Kind.MIGRATION
    ).select_related("uploaded_by")[:10]
    context = {"campaign": campaign, "form": form, "recent": recent}
    return render(request, "ledger/sheets/migrate_upload.html", context)


def _analysis(request, si):
    try:
        return migration.analyse(si)
    except SpreadsheetError as exc:
        messages.error(request, exc.message)
        return None


@login_required
def mapping(request, slug, pk):
    campaign, si = _si(request, slug, pk)
    if _applied(si):
        return redirect(_step_url(si, "report"))
    if request.method == "POST" and request.POST.get("preview") and is_htmx(request):
        return _preview(request, si)
    analysis = _analysis(request, si)
    if analysis is None:
        return redirect("ledger-migrate", campaign.slug)
    initial = {f"col_{k}": v for k, v in analysis.mapping.items()}
    initial["source"] = si.options.get("source") or Source.SELF
    initial["problem_list"] = si.options.get("problem_list")
    form = MappingForm(request.POST or None, si=si, columns=analysis.columns, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pl = data["problem_list"]
        migration.choose(
            si,
            actor=request.user,
            mapping={spec.name: data[f"col_{spec.name}"] for spec in migration.FIELDS},
            source=data["source"],
            problem_list=pl.pk if pl else None,
        )
        return redirect(_step_url(si, "units"))
    fields = [(spec, form[f"col_{spec.name}"]) for spec in migration.FIELDS]
    context = {
        "campaign": campaign,
        "si": si,
        "form": form,
        "fields": fields,
        "analysis": analysis,
        **_preview_context(analysis),
        "notes": [render_note(n.code, n.params) for n in analysis.notes],
        "step": "mapping",
    }
    return render(request, "ledger/sheets/migrate_mapping.html", context)


def _preview_context(analysis) -> dict:
    shown = [s for s in migration.FIELDS if s.name in analysis.mapping]
    return {
        "preview_fields": shown,
        "preview_rows": [
            (row["row"], [(row.get(s.name, ""), s.name in row["errors"]) for s in shown])
            for row in analysis.preview
        ],
    }


def _preview(request, si):
    """The preview for the columns as chosen in the form, not saved (htmx)."""
    mapping = {
        spec.name: request.POST.get(f"col_{spec.name}", "")
        for spec in migration.FIELDS
        if request.POST.get(f"col_{spec.name}")
    }
    try:
        migration.check_choices(si, mapping=mapping)
        analysis = migration.analyse(si)
    except DomainError as exc:
        return HttpResponse(exc.message, status=status_of(exc))
    context = {"campaign": si.campaign, "si": si, **_preview_context(analysis)}
    return render(request, "ledger/sheets/_migrate_preview.html", context)


@login_required
def units(request, slug, pk):
    campaign, si = _si(request, slug, pk)
    if _applied(si):
        return redirect(_step_url(si, "report"))
    analysis = _analysis(request, si)
    if analysis is None:
        return redirect("ledger-migrate", campaign.slug)
    names = {m.name for m in analysis.units}
    words = list(analysis.unknown_words)
    if request.method == "POST":
        # Each row posts its name beside its choice (the order may have changed meanwhile).
        chosen_units = {}
        for key, name in request.POST.items():
            if not key.startswith("unit_name_") or name not in names:
                continue
            value = request.POST.get("unit_" + key.removeprefix("unit_name_"), "")
            if value == LEAVE_OUT:
                chosen_units[name] = None
            elif value.isdigit():
                chosen_units[name] = int(value)
        chosen_words = {}
        for key, word in request.POST.items():
            if not key.startswith("word_name_") or word not in words:
                continue
            value = request.POST.get("word_" + key.removeprefix("word_name_"), "")
            if value in migration.STATUSES:
                chosen_words[word] = value
        try:
            migration.choose(si, actor=request.user, units=chosen_units, states=chosen_words)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_step_url(si, "units"))
        return redirect(_step_url(si, "confirm"))
    unit_choices = list(migration.campaign_units(campaign).values_list("id", "name"))
    rows = [
        {"index": i, "match": m, "matched_name": dict(unit_choices).get(m.unit_id, "")}
        for i, m in enumerate(analysis.units)
    ]
    context = {
        "campaign": campaign,
        "si": si,
        "rows": rows,
        "unit_choices": unit_choices,
        "words": [(i, w, analysis.unknown_words[w]) for i, w in enumerate(words)],
        "statuses": [(s, migration.STATUS_LABELS[s]) for s in migration.STATUSES],
        "leave_out": LEAVE_OUT,
        "unmatched": sum(1 for m in analysis.units if m.unit_id is None),
        "step": "units",
    }
    return render(request, "ledger/sheets/migrate_units.html", context)


@login_required
def confirm(request, slug, pk):
    campaign, si = _si(request, slug, pk)
    if _applied(si):
        return redirect(_step_url(si, "report"))
    if request.method == "POST":
        try:
            migration.apply(si, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            if status_of(exc) == 409:
                return redirect(_step_url(si, "report"))
            return redirect(_step_url(si, "confirm"))
        messages.success(request, gettext("The ledger was moved in."))
        return redirect(_step_url(si, "report"))
    try:
        plan = migration.plan(si)
    except SpreadsheetError as exc:
        messages.error(request, exc.message)
        return redirect("ledger-migrate", campaign.slug)
    context = {
        "campaign": campaign,
        "si": si,
        "plan": plan,
        "summary": migration.summary(plan),
        "per_status": [(migration.STATUS_LABELS[s], n) for s, n in plan.per_status().items()],
        "missing": [migration.BY_NAME[f].label for f in plan.missing_fields],
        "step": "confirm",
    }
    return render(request, "ledger/sheets/migrate_confirm.html", context)


@login_required
def report(request, slug, pk):
    campaign, si = _si(request, slug, pk)
    if not _applied(si):
        return redirect(_step_url(si, "confirm"))
    result = si.result
    context = {
        "campaign": campaign,
        "si": si,
        "result": result,
        "per_status": [
            (migration.STATUS_LABELS[s], n) for s, n in result.get("per_status", {}).items()
        ],
        "step": "report",
    }
    return render(request, "ledger/sheets/migrate_report.html", context)
