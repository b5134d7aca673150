"""What users submit about measures, checked the same way on the pages and in /api/v1/.

The forms validate at the edge (lengths, choices, dates, the fields this user may change);
services.py does the writing and checks the rules again.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger.choices import MeasureMode
from rectify.ledger.models import Measure
from rectify.ledger.services import editable_fields
from rectify.orgs.models import OrgUnit

MEASURE_CONTENT_MAX_LENGTH = 2000


class MeasureForm(forms.Form):
    """Edit a measure: the office edits every field, the responsible unit only some.

    The hidden `version` is the one the user saw; services.update_measure refuses a stale one.
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
        label=_("Responsible unit"),
        queryset=OrgUnit.objects.none(),
        error_messages={
            "required": _("Choose the responsible unit."),
            "invalid_choice": _("Choose a unit of this campaign."),
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
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=MeasureMode.choices,
        error_messages={"invalid_choice": _("Choose one of the listed modes.")},
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, measure: Measure, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "content": measure.content,
                "responsible_unit": measure.responsible_unit_id,
                "responsible_person": measure.responsible_person,
                "mode": measure.mode,
                "deadline": measure.deadline,
                "version": measure.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.editable = editable_fields(user, measure)
        for name in list(self.fields):
            if name != "version" and name not in self.editable:
                del self.fields[name]
        if "responsible_unit" in self.fields:
            self.fields["responsible_unit"].queryset = OrgUnit.objects.subtree(
                measure.campaign.org_unit
            )
        style(self)

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError(_("Describe the measure."), code="required")
        return content

    def clean(self):
        data = super().clean()
        if "mode" in self.fields and "deadline" in self.fields:
            mode, deadline = data.get("mode"), data.get("deadline")
            if mode and mode != MeasureMode.LONG_TERM and deadline is None:
                self.add_error(
                    "deadline",
                    forms.ValidationError(
                        _("Give a deadline (only long-term measures may omit it)."),
                        code="required",
                    ),
                )
        starts_on = self.measure.campaign.starts_on
        deadline = data.get("deadline")
        if "deadline" in self.fields and deadline and starts_on and deadline < starts_on:
            self.add_error(
                "deadline",
                forms.ValidationError(
                    _("The deadline cannot be before the campaign starts (%(date)s)."),
                    code="before_start",
                    params={"date": starts_on.isoformat()},
                ),
            )
        return data

    def changes(self) -> dict:
        """The edited fields whose value differs from the measure as loaded."""
        return {
            name: self.cleaned_data[name]
            for name in self.editable
            if name in self.cleaned_data and self.cleaned_data[name] != getattr(self.measure, name)
        }


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
