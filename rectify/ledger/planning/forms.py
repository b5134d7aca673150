"""Forms of the office's planning pages: a new measure, the deadline preview, milestones and
assigning ticked problems to a unit. They validate at the edge; services.py does the writing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger.choices import MeasureMode
from rectify.ledger.inputs import (
    BY_DATE,
    BY_WORKING_DAYS,
    WORKING_DAYS_MAX,
    MeasureForm,
    campaign_units,
    indent_units,
)
from rectify.ledger.models import Measure, Milestone, Problem
from rectify.ledger.services import OFFICE_MEASURE_FIELDS
from rectify.orgs.models import OrgUnit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Enter a date such as 2026-12-31.")}

# What "save and add another" carries over to the next measure's form.
KEPT_FIELDS = (
    "responsible_unit",
    "responsible_person",
    "mode",
    "deadline_by",
    "deadline",
    "decided_on",
    "working_days",
)


class MeasureCreateForm(MeasureForm):
    """A new measure on a problem (the office): MeasureForm's fields and rules, no version."""

    def __init__(self, *args, campaign, problem: Problem, user, initial=None, **kwargs):
        base = {
            "responsible_unit": problem.lead_unit_id,
            "mode": MeasureMode.PHASED,
            "deadline_by": BY_DATE,
        }
        super().__init__(
            *args,
            measure=Measure(campaign=campaign, problem=problem),
            user=user,
            initial={**base, **(initial or {})},
            **kwargs,
        )
        del self.fields["version"]
        self.fields["content"].widget.attrs.update(
            rows=4, placeholder=_("What will be done, by when, to what standard")
        )
        self.fields["responsible_person"].widget.attrs["placeholder"] = _("Name and post")

    def values(self) -> dict:
        """The keyword arguments of services.create_measure (besides the problem and actor)."""
        data = self.cleaned_data
        return {k: data[k] for k in OFFICE_MEASURE_FIELDS if k in data}

    def kept(self) -> dict:
        """The query string values that start the next measure's form where this one ended."""
        data = self.cleaned_data
        out = {
            "responsible_unit": data["responsible_unit"].pk,
            "responsible_person": data.get("responsible_person", ""),
            "mode": data["mode"],
            "deadline_by": self.deadline_by,
        }
        if self.deadline_by == BY_WORKING_DAYS and data.get("working_days"):
            out.update(decided_on=data["decided_on"].isoformat(), working_days=data["working_days"])
        elif data.get("deadline"):
            out["deadline"] = data["deadline"].isoformat()
        return {k: v for k, v in out.items() if v not in ("", None)}


def initial_from(query) -> dict:
    """The kept values of the previous measure, from the query string of "add another"."""
    return {k: query[k] for k in KEPT_FIELDS if query.get(k)}


class DeadlinePreviewForm(forms.Form):
    """What the deadline preview reads: the way it is given and the values typed so far."""

    deadline_by = forms.ChoiceField(
        choices=[(BY_DATE, BY_DATE), (BY_WORKING_DAYS, BY_WORKING_DAYS)], required=False
    )
    deadline = forms.DateField(required=False)
    decided_on = forms.DateField(required=False)
    working_days = forms.IntegerField(required=False, min_value=1, max_value=WORKING_DAYS_MAX)


class MilestoneForm(forms.Form):
    """Add or edit a milestone: the step and its due date (and, once done, the done date)."""

    title = forms.CharField(
        label=_("Step"),
        max_length=Milestone._meta.get_field("title").max_length,
        error_messages={
            "required": _("Name the step."),
            "max_length": _("Keep the step within %(limit_value)d characters."),
        },
    )
    due_on = forms.DateField(
        label=_("Due"),
        widget=DATE_INPUT,
        error_messages={"required": _("Give the date it is due."), **DATE_ERRORS},
    )
    done_on = forms.DateField(
        label=_("Done"), required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS
    )

    def __init__(self, *args, milestone: Milestone | None = None, **kwargs):
        if milestone is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": milestone.title,
                    "due_on": milestone.due_on,
                    "done_on": milestone.done_on,
                },
            )
        super().__init__(*args, **kwargs)
        self.milestone = milestone
        if milestone is None or milestone.done_on is None:
            del self.fields["done_on"]  # completing has its own button
        self.fields["title"].widget.attrs["placeholder"] = _("e.g. Draft the rules")
        style(self, small=True)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Name the step."), code="required")
        return title

    def clean_done_on(self):
        done_on = self.cleaned_data.get("done_on")
        if done_on is None:
            raise forms.ValidationError(
                _("Give the date it was done (or undo “done”)."), code="required"
            )
        return done_on

    def changes(self) -> dict:
        data = self.cleaned_data
        out = {k: data[k] for k in ("title", "due_on", "done_on") if k in data}
        if self.milestone is not None:
            out = {k: v for k, v in out.items() if getattr(self.milestone, k) != v}
        return out


class MilestoneDoneForm(forms.Form):
    """Mark a milestone done on a date (today unless given), or undo it."""

    done_on = forms.DateField(required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS)
    undo = forms.BooleanField(required=False)

    def clean_done_on(self):
        done_on = self.cleaned_data.get("done_on")
        if done_on and done_on > timezone.localdate():
            raise forms.ValidationError(_("A step cannot be done in the future."), code="future")
        return done_on


class BulkAssignForm(forms.Form):
    """Assign the ticked problems of the list page to one unit: a draft measure each, with a
    common deadline and mode; a blank measure text takes each problem's title. Problems are
    ids of the campaign (checked again by the service)."""

    problems = forms.ModelMultipleChoiceField(
        queryset=Problem.objects.none(),
        error_messages={
            "required": _("Tick at least one problem."),
            "invalid_choice": _("A ticked problem is not in this campaign."),
            "invalid_pk_value": _("A ticked problem is not in this campaign."),
        },
    )
    responsible_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=OrgUnit.objects.none(),
        error_messages={
            "required": _("Choose the unit to assign them to."),
            "invalid_choice": _("Choose a unit of this campaign."),
        },
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=MeasureMode.choices,
        initial=MeasureMode.PHASED,
        error_messages={"invalid_choice": _("Choose one of the listed modes.")},
    )
    content = forms.CharField(
        label=_("Measure text"),
        required=False,
        max_length=2000,
        error_messages={"max_length": _("Keep the measure within %(limit_value)d characters.")},
    )

    def __init__(self, *args, campaign, **kwargs):
        # Its ids are its own: the filter and the classify form share the page.
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["problems"].queryset = Problem.objects.filter(campaign=campaign)
        units = self.fields["responsible_unit"]
        units.queryset = campaign_units(campaign)
        indent_units(units)
        units.empty_label = _("(choose a unit)")
        self.fields["content"].widget.attrs["placeholder"] = _("blank: each problem's title")
        style(self, small=True)

    def clean(self):
        data = super().clean()
        mode, deadline = data.get("mode"), data.get("deadline")
        if (
            mode
            and mode != MeasureMode.LONG_TERM
            and deadline is None
            and "deadline" not in (self.errors)
        ):
            self.add_error(
                "deadline",
                forms.ValidationError(
                    _("Give a deadline (only long-term measures may omit it)."), code="required"
                ),
            )
        starts_on = self.campaign.starts_on
        if deadline and starts_on and deadline < starts_on:
            self.add_error(
                "deadline",
                forms.ValidationError(
                    _("The deadline cannot be before the campaign starts (%(date)s)."),
                    code="before_start",
                    params={"date": starts_on.isoformat()},
                ),
            )
        return data
