"""What users submit about measures, checked the same way on the pages and in /api/v1/.

The forms validate at the edge (lengths, choices, dates, the fields this user may change);
services.py does the writing and checks the rules again.
"""

from django import forms
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger.choices import MeasureMode
from rectify.ledger.models import Measure
from rectify.ledger.services import deadline_from, editable_fields
from rectify.orgs.models import OrgUnit

MEASURE_CONTENT_MAX_LENGTH = 2000
WORKING_DAYS_MAX = 999

# How the office gives a deadline: a date, or N working days after a decision date.
BY_DATE, BY_WORKING_DAYS = "date", "days"
DEADLINE_BY_CHOICES = [(BY_DATE, _("On a date")), (BY_WORKING_DAYS, _("In working days"))]


def campaign_units(campaign):
    """The units a measure of the campaign may name: the campaign's unit and its subtree (one
    query, without reading the campaign's unit first)."""
    root_path = OrgUnit.objects.filter(pk=campaign.org_unit_id).values("path")[:1]
    return OrgUnit.objects.filter(path__startswith=Subquery(root_path))


def unit_label(unit: OrgUnit, *, base: list[int]) -> str:
    """A unit's name indented by its depth below the first (the root) of a subtree listed in
    tree order; `base` holds that root's depth once seen."""
    depth = unit.path.count("/")
    if not base:
        base.append(depth)
    return "　" * max(depth - base[0], 0) + str(unit)


def indent_units(field) -> None:
    """Show the units of a choice field (a subtree, in path order) indented as a tree."""
    base: list[int] = []
    field.label_from_instance = lambda unit: unit_label(unit, base=base)


class MeasureForm(forms.Form):
    """Edit a measure: the office edits every field, the responsible unit only some.

    The hidden `version` is the one the user saw; services.update_measure refuses a stale one.
    The office gives the deadline as a date or as working days after a decision date
    (`deadline_by`; absent, it is inferred: _infer_deadline_by): the date is computed here, as
    the service does. On a measure that has a deadline, moving it needs `deadline_reason`.
    `deadline_by` is not left in cleaned_data (the API creates measures from it).
    """

    content = forms.CharField(
        label=_("Measure"),
        max_length=MEASURE_CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Describe the measure."),
            "max_length": _(
                "Keep the measure within %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    responsible_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=OrgUnit.objects.none(),
        error_messages={
            "required": _("Choose the responsible unit."),
            "invalid_choice": _("Choose a unit of this campaign."),
        },
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={
            "invalid_choice": _("Choose units of this campaign."),
            "invalid_pk_value": _("Choose units of this campaign."),
        },
    )
    responsible_person = forms.CharField(
        label=_("Responsible person"),
        max_length=50,
        required=False,
        error_messages={
            "max_length": _("Keep the name within %(limit_value)d characters."),
        },
    )
    responsible_leader = forms.CharField(
        label=_("Responsible leader"),
        max_length=50,
        required=False,
        help_text=_("The leader answerable for the measure (责任领导)."),
        error_messages={
            "max_length": _("Keep the name within %(limit_value)d characters."),
        },
    )
    target = forms.CharField(
        label=_("Rectification target"),
        max_length=2000,
        required=False,
        help_text=_("What counts as rectified, e.g. a standard or a number to reach."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Keep the target within %(limit_value)d characters.")},
    )
    remarks = forms.CharField(
        label=_("Remarks"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Keep the remarks within %(limit_value)d characters.")},
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=MeasureMode.choices,
        error_messages={"invalid_choice": _("Choose one of the listed modes.")},
    )
    deadline_by = forms.ChoiceField(
        label=_("Deadline given"),
        choices=DEADLINE_BY_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )
    decided_on = forms.DateField(
        label=_("Decision date"),
        required=False,
        help_text=_("The date the working days count from."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )
    working_days = forms.IntegerField(
        label=_("Working days"),
        required=False,
        min_value=1,
        max_value=WORKING_DAYS_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter a whole number of working days."),
            "min_value": _("Give at least %(limit_value)d working day."),
            "max_value": _("Give at most %(limit_value)d working days."),
        },
    )
    deadline_reason = forms.CharField(
        label=_("Why the deadline moves"),
        required=False,
        max_length=2000,
        help_text=_("Required when the deadline changes; kept with the measure's history."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Keep the reason within %(limit_value)d characters.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, measure: Measure, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "content": measure.content,
                "responsible_unit": measure.responsible_unit_id,
                "responsible_person": measure.responsible_person,
                "responsible_leader": measure.responsible_leader,
                "target": measure.target,
                "remarks": measure.remarks,
                "mode": measure.mode,
                "cooperating_units": (
                    [u.pk for u in measure.cooperating_units.all()] if measure.pk else []
                ),
                "deadline": measure.deadline,
                "decided_on": measure.decided_on,
                "working_days": measure.working_days,
                "version": measure.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.editable = editable_fields(user, measure)
        self.deadline_by = BY_DATE
        kept = {"version"}
        if "deadline" in self.editable:
            kept.add("deadline_by")
            if measure.pk and measure.deadline is not None:
                kept.add("deadline_reason")
        for name in list(self.fields):
            if name not in kept and name not in self.editable:
                del self.fields[name]
        units = campaign_units(measure.campaign)
        for name in ("responsible_unit", "cooperating_units"):
            if name in self.fields:
                self.fields[name].queryset = units
                indent_units(self.fields[name])
        style(self)
        if "deadline_by" in self.fields:
            # On the field, not in self.initial: the API builds its data from that, and a
            # caller that sends no `deadline_by` has it inferred (see _clean_deadline).
            field = self.fields["deadline_by"]
            field.initial = BY_WORKING_DAYS if measure.working_days else BY_DATE
            field.widget.attrs["class"] = "form-check-input"

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError(_("Describe the measure."), code="required")
        return content

    def clean(self):
        data = super().clean()
        if "deadline" in self.fields:
            self._clean_deadline(data)
        deadline_field = "working_days" if self.deadline_by == BY_WORKING_DAYS else "deadline"
        if "mode" in self.fields and "deadline" in self.fields and not self._deadline_errors():
            mode, deadline = data.get("mode"), data.get("deadline")
            if mode and mode != MeasureMode.LONG_TERM and deadline is None:
                self.add_error(
                    deadline_field,
                    forms.ValidationError(
                        _("Give a deadline (only long-term measures may omit it)."),
                        code="required",
                    ),
                )
        starts_on = self.measure.campaign.starts_on
        deadline = data.get("deadline")
        if "deadline" in self.fields and deadline and starts_on and deadline < starts_on:
            self.add_error(
                deadline_field,
                forms.ValidationError(
                    _("The deadline cannot be before the campaign starts (%(date)s)."),
                    code="before_start",
                    params={"date": starts_on.isoformat()},
                ),
            )
        if "cooperating_units" in data and data.get("responsible_unit") is not None:
            # The lead unit does not cooperate with itself.
            data["cooperating_units"] = [
                u for u in data["cooperating_units"] if u.pk != data["responsible_unit"].pk
            ]
        if "deadline_reason" in self.fields and not self._deadline_errors():
            moved = "deadline" in data and data["deadline"] != self.measure.deadline
            if moved and not data.get("deadline_reason", "").strip():
                self.add_error(
                    "deadline_reason",
                    forms.ValidationError(
                        _("A deadline moves only with a reason: say why it changes."),
                        code="required",
                    ),
                )
        data.pop("deadline_by", None)
        return data

    def _deadline_errors(self) -> bool:
        return any(name in self.errors for name in ("deadline", "decided_on", "working_days"))

    def _clean_deadline(self, data) -> None:
        """Work out the deadline: the date given, or the working days after the decision date
        (then `deadline` is the computed date). Giving a date clears the working days."""
        by = data.get("deadline_by") or self._infer_deadline_by(data)
        self.deadline_by = by
        # The inputs of the other way are ignored, and so are their errors.
        ignored = ("decided_on", "working_days") if by == BY_DATE else ("deadline",)
        for name in ignored:
            self._errors.pop(name, None)
        if by == BY_DATE:
            data["decided_on"] = None
            data["working_days"] = None
            return
        if self._deadline_errors():
            return
        decided_on, days = data.get("decided_on"), data.get("working_days")
        if decided_on is None and days is None:
            data["deadline"] = None  # none given: the mode decides whether that will do
        elif days is None:
            self.add_error(
                "working_days",
                forms.ValidationError(_("Give the number of working days."), code="required"),
            )
        elif decided_on is None:
            self.add_error(
                "decided_on",
                forms.ValidationError(
                    _("Give the decision date the working days count from."), code="required"
                ),
            )
        elif (decided_on, days) == (self.measure.decided_on, self.measure.working_days):
            data["deadline"] = self.measure.deadline  # unchanged: the date stays as computed
        else:
            data["deadline"] = deadline_from(decided_on, days)

    def _infer_deadline_by(self, data) -> str:
        """Without `deadline_by` (the API): working days when given — unless they are the
        measure's own, unchanged, and a different date is given: then that date."""
        days, decided_on = data.get("working_days"), data.get("decided_on")
        if days is None:
            return BY_DATE
        m = self.measure
        kept = (decided_on, days) == (m.decided_on, m.working_days)
        if kept and data.get("deadline") not in (None, m.deadline):
            return BY_DATE
        return BY_WORKING_DAYS

    def changes(self) -> dict:
        """The edited fields whose value differs from the measure as loaded (cooperating units
        as a list, when the set of units differs)."""
        out = {}
        for name in self.editable:
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if name == "cooperating_units":
                before = (
                    {u.pk for u in self.measure.cooperating_units.all()}
                    if self.measure.pk
                    else set()
                )
                if {u.pk for u in value} != before:
                    out[name] = list(value)
            elif value != getattr(self.measure, name):
                out[name] = value
        return out

    def reason_for_move(self) -> str:
        """Why the deadline moves (blank when it does not, or the form has no such field)."""
        return (self.cleaned_data.get("deadline_reason") or "").strip()


class TransitionForm(forms.Form):
    """The optional reason given with a state change, and the version the user saw."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"max_length": _("Keep the reason within %(limit_value)d characters.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
