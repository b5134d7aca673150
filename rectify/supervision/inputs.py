"""What users submit about supervision: an action recorded, a follow-up measure from a finding,
a notice issued; checked the same way on the pages and in /api/v1/. The forms validate at the
edge (each message names its field); supervision/services.py writes."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger.choices import MeasureMode, Source
from rectify.supervision.choices import NoticeLevel, SupervisionKind

# What is recorded on the actions page; reminders (催办) and notices (督办单) have their own.
RECORDED_KINDS = (
    SupervisionKind.INSPECTION,
    SupervisionKind.ONSITE,
    SupervisionKind.GUIDANCE,
    SupervisionKind.INTERVIEW,
)
TEXT_MAX = 5000
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label, *, required=True, rows=4, help_text=""):
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _("Keep this within %(limit_value)d characters.")},
    )


class ActionForm(forms.Form):
    """Record an inspection, on-site supervision, guidance-group visit or interview."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in RECORDED_KINDS])
    target_unit = forms.ModelChoiceField(label=_("Unit supervised"), queryset=None)
    happened_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Enter a date and time such as 2026-03-15 09:30.")},
    )
    participants = _text(
        _("Members and others present"),
        required=False,
        rows=2,
        help_text=_("Members of the supervision group and others present, besides you."),
    )
    problem = forms.ModelChoiceField(
        label=_("About problem"),
        queryset=None,
        required=False,
        empty_label=_("— none in particular —"),
    )
    content = _text(_("Findings"), rows=6)
    outcome = _text(_("Outcome"), required=False, rows=3)

    def __init__(self, *args, units, problems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_unit"].queryset = units
        self.fields["problem"].queryset = problems
        self.fields["problem"].label_from_instance = lambda p: f"{p.number}. {p.title}"
        if not self.is_bound:
            self.initial.setdefault(
                "happened_at", timezone.localtime().replace(second=0, microsecond=0)
            )
        style(self)


class FollowUpForm(forms.Form):
    """A measure for the supervised unit from a finding: on a problem of the campaign, or on a
    new problem named here."""

    problem = forms.ModelChoiceField(
        label=_("Problem"),
        queryset=None,
        required=False,
        empty_label=_("— a new problem —"),
    )
    title = forms.CharField(
        label=_("New problem"),
        max_length=200,
        required=False,
        help_text=_("Only when no problem is chosen above."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.INSPECTION)
    content = _text(_("Measure"), rows=3)
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=DATE,
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=MeasureMode.choices, initial=MeasureMode.PHASED
    )
    responsible_person = forms.CharField(
        label=_("Responsible person"), max_length=50, required=False
    )

    def __init__(self, *args, problems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = problems
        self.fields["problem"].label_from_instance = lambda p: f"{p.number}. {p.title}"
        style(self)

    def clean(self):
        data = super().clean()
        if not data.get("problem") and not data.get("title"):
            self.add_error("title", _("Choose a problem or name a new one."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        values = {
            "content": data["content"],
            "deadline": data["deadline"],
            "mode": data["mode"],
            "responsible_person": data["responsible_person"],
        }
        if data.get("problem"):
            values["problem"] = data["problem"]
        else:
            values.update(title=data["title"], source=data["source"])
        return values


class NoticeUnitForm(forms.Form):
    """The unit a notice goes to (the page then lists its overdue measures)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        style(self)


DEFAULT_NOTICE_TEXT = _(
    "The rectification measures listed below have passed their deadlines. Give them your full "
    "attention, rectify them without delay, and report in writing as required."
)


class NoticeForm(forms.Form):
    """Issue a yellow or red notice naming some of a unit's overdue measures."""

    measures = forms.ModelMultipleChoiceField(
        label=_("Overdue measures"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one overdue measure.")},
    )
    level = forms.ChoiceField(
        label=_("Notice level"),
        choices=NoticeLevel.choices,
        initial=NoticeLevel.YELLOW,
        widget=forms.RadioSelect,
    )
    required_by = forms.DateField(
        label=_("Answer required by"),
        widget=DATE,
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )
    content = _text(_("Text of the notice"), rows=4)

    def __init__(self, *args, measures, required_by: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = measures
        self.fields["measures"].label_from_instance = lambda m: m.content
        if not self.is_bound:
            self.initial.update(
                measures=[m.pk for m in measures],
                required_by=required_by,
                content=str(DEFAULT_NOTICE_TEXT),
            )
        style(self)
        self.fields["level"].widget.attrs["class"] = "form-check-input"

    def clean_required_by(self):
        day = self.cleaned_data["required_by"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The date required cannot be in the past."))
        return day


class ActionFilterForm(forms.Form):
    """The actions list's filter: kind, unit (with its subunits), period."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *SupervisionKind.choices]
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, required=False, empty_label=_("All units")
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        style(self, small=True)

    def apply(self, qs):
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["unit"]:
            qs = qs.filter(target_unit__path__startswith=data["unit"].path)
        if data["since"]:
            qs = qs.filter(happened_at__date__gte=data["since"])
        if data["until"]:
            qs = qs.filter(happened_at__date__lte=data["until"])
        return qs
