"""What the office submits about special programs and their phases, checked the same way on
the pages and in /api/v1/; campaigns/programs/services.py does the writing."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from rectify.campaigns.inputs import EARLIEST_DAY, campaign_units
from rectify.campaigns.models import Program
from rectify.campaigns.programs.services import PHASE_FIELDS, PROGRAM_FIELDS
from rectify.core.forms import style

LATEST_DAY = EARLIEST_DAY.replace(year=2100)
TEXT_MAX_LENGTH = 10_000


def _date_field(label, *, required: bool):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date."),
            "invalid": _("Give the date as YYYY-MM-DD."),
        },
    )


class _Dates:
    def clean(self):
        data = super().clean()
        for name in ("starts_on", "ends_on"):
            day = data.get(name)
            if day and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, _("Give a date between 1990 and 2100."))
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date."))
        return data


class ProgramForm(_Dates, forms.Form):
    """A program's name, group, owner, timetable and roadmap text."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={
            "required": _("Give the program a name."),
            "max_length": _("Keep the name within %(limit_value)d characters."),
        },
    )
    group_label = forms.CharField(
        label=_("Group"),
        max_length=50,
        required=False,
        help_text=_("Programs with the same group are listed together, e.g. the “5” in “1+5+5+2”."),
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=Program.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a unit of this campaign.")},
    )
    leader = forms.CharField(
        label=_("Responsible leader"),
        max_length=100,
        required=False,
        help_text=_("The leader or person answerable for the program."),
    )
    starts_on = _date_field(_("Start date"), required=False)
    ends_on = _date_field(_("End date"), required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    roadmap = forms.CharField(
        label=_("Timetable and roadmap"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The roadmap as the program's plan words it; the phases below put it on the chart."
        ),
    )

    def __init__(self, *args, campaign, program: Program | None = None, **kwargs):
        if program is not None:
            initial = {name: getattr(program, name) for name in PROGRAM_FIELDS}
            initial["lead_unit"] = program.lead_unit_id
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["lead_unit"].queryset = campaign_units(campaign).order_by("path")
        style(self)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROGRAM_FIELDS}


class PhaseForm(_Dates, forms.Form):
    """One phase of a program's timetable (a row of the program form's phase table: `id` names
    an existing phase of the program, none a new one)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Phase"),
        max_length=100,
        error_messages={"required": _("Give the phase a name.")},
    )
    starts_on = _date_field(_("Start date"), required=True)
    ends_on = _date_field(_("End date"), required=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self, small=True)

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in PHASE_FIELDS}
        if data["order"] is None:
            data.pop("order")
        return data


PhaseFormSet = formset_factory(PhaseForm, extra=2, can_delete=True, max_num=30, validate_max=True)


def phase_formset(data=None, *, program: Program | None = None):
    """The phase rows of the program form: the program's phases, then two blank rows."""
    initial = []
    if program is not None:
        initial = [
            {"id": ph.pk, **{name: getattr(ph, name) for name in PHASE_FIELDS}}
            for ph in program.phases.all()
        ]
    formset = PhaseFormSet(data, initial=initial, prefix="phase")
    for form in formset:
        form.fields["DELETE"].widget.attrs["class"] = "form-check-input"
    return formset
