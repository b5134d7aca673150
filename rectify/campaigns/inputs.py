"""What users submit about work groups, research activities and their attachments, checked
the same way on the pages and in /api/v1/. The forms validate at the edge (every message names
its field); campaigns/services.py does the writing."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rectify.campaigns import services
from rectify.campaigns.choices import ActivityKind, DeadlineBasis
from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.campaigns.scoping import can_record_without_group, recording_groups
from rectify.core.forms import style
from rectify.orgs.models import OrgUnit, Region, User

EARLIEST_DAY = dt.date(1990, 1, 1)
MAX_PARTICIPANTS = 10_000_000
NOTES_MAX_LENGTH = 10_000


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})" if obj.display_name else obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})" if obj.display_name else obj.username


def campaign_people(campaign):
    """Everyone with a role in the campaign: who may lead or join its work groups."""
    return (
        User.objects.filter(memberships__campaign=campaign, is_active=True)
        .distinct()
        .order_by("username")
    )


def campaign_units(campaign):
    return OrgUnit.objects.subtree(campaign.org_unit)


class WorkGroupForm(forms.Form):
    """Set up a work group: name, leader, members, assigned regions and units."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={
            "required": _("Give the work group a name."),
            "max_length": _("Keep the name within %(limit_value)d characters."),
        },
    )
    leader = PersonChoiceField(
        label=_("Leader"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The leader is also a member."),
        error_messages={"invalid_choice": _("Choose a person of this campaign.")},
    )
    members = PeopleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Members with the work-group role record activities and feedback."),
        error_messages={"invalid_choice": _("Choose people of this campaign.")},
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Assigned regions"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose listed regions.")},
    )
    org_units = forms.ModelMultipleChoiceField(
        label=_("Assigned units"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        error_messages={"invalid_choice": _("Choose units of this campaign.")},
    )

    def __init__(self, *args, campaign, group: WorkGroup | None = None, **kwargs):
        if group is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": group.name,
                    "leader": group.leader_id,
                    "members": list(group.members.values_list("pk", flat=True)),
                    "regions": list(group.regions.values_list("pk", flat=True)),
                    "org_units": list(group.org_units.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        self.campaign, self.group = campaign, group
        people = campaign_people(campaign)
        self.fields["leader"].queryset = people
        self.fields["members"].queryset = people
        self.fields["regions"].queryset = Region.objects.order_by("code")
        self.fields["org_units"].queryset = campaign_units(campaign)
        style(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the work group a name."), code="required")
        taken = WorkGroup.objects.filter(campaign=self.campaign, name=name)
        if self.group is not None:
            taken = taken.exclude(pk=self.group.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("A work group with this name already exists."), code="duplicate"
            )
        return name

    def changes(self) -> dict:
        """For update_work_group: every field (the service logs only what changed)."""
        return {name: self.cleaned_data[name] for name in self.fields}


class ActivityForm(forms.Form):
    """Record or correct a research activity. A work-group member records for their own group,
    within its assigned regions and units; the office for any group."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ActivityKind.choices,
        error_messages={
            "required": _("Choose the kind of activity."),
            "invalid_choice": _("Choose one of the listed kinds."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={
            "required": _("Give the activity a title."),
            "max_length": _("Keep the title within %(limit_value)d characters."),
        },
    )
    held_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date it was held."),
            "invalid": _("Enter a date such as 2026-03-15."),
        },
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Keep the place within %(limit_value)d characters.")},
    )
    work_group = forms.ModelChoiceField(
        label=_("Work group"),
        queryset=WorkGroup.objects.none(),
        required=False,
        error_messages={
            "required": _("Choose your work group."),
            "invalid_choice": _("Choose one of your work groups."),
        },
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a listed region.")},
    )
    org_unit = forms.ModelChoiceField(
        label=_("Unit visited"),
        queryset=OrgUnit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a unit of this campaign.")},
    )
    participant_count = forms.IntegerField(
        label=_("Participants"),
        min_value=0,
        max_value=MAX_PARTICIPANTS,
        initial=0,
        error_messages={
            "required": _("Give the number of participants (0 if none)."),
            "invalid": _("Enter a whole number."),
            "min_value": _("The number of participants cannot be negative."),
            "max_value": _("Enter at most %(limit_value)s participants."),
        },
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Keep the notes within %(limit_value)d characters.")},
    )

    def __init__(self, *args, campaign, user, activity: ResearchActivity | None = None, **kwargs):
        groups = recording_groups(user, campaign)
        self.is_office = can_record_without_group(user, campaign)
        if activity is not None:
            initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
            for name in ("region", "org_unit", "work_group"):
                initial[name] = getattr(activity, f"{name}_id")
            kwargs.setdefault("initial", initial)
        elif not self.is_office:
            own = list(groups[:2])
            if len(own) == 1:
                kwargs.setdefault("initial", {"work_group": own[0].pk})
        super().__init__(*args, **kwargs)
        self.campaign, self.user, self.activity = campaign, user, activity
        self.fields["work_group"].queryset = groups
        self.fields["work_group"].required = not self.is_office
        self.fields["region"].queryset = Region.objects.order_by("code")
        self.fields["org_unit"].queryset = campaign_units(campaign)
        style(self)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the activity a title."), code="required")
        return title

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day < EARLIEST_DAY:
            raise forms.ValidationError(_("Enter a date after 1990."), code="too_early")
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("Record an activity once it is held: the date cannot be in the future."),
                code="future",
            )
        return day

    def clean(self):
        data = super().clean()
        group = data.get("work_group")
        if self.is_office or group is None:
            return data
        region, unit = data.get("region"), data.get("org_unit")
        if region is not None and not group.regions.filter(pk=region.pk).exists():
            self.add_error(
                "region",
                forms.ValidationError(
                    _("Your work group is not assigned to this region."), code="not_assigned"
                ),
            )
        if unit is not None and not any(unit.is_within(u) for u in group.org_units.all()):
            self.add_error(
                "org_unit",
                forms.ValidationError(
                    _("Your work group is not assigned to this unit."), code="not_assigned"
                ),
            )
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.ACTIVITY_FIELDS}


class AttachmentForm(forms.Form):
    """Attach a file (minutes, sign-in sheet, photos …) to an activity."""

    file = forms.FileField(
        label=_("File"),
        max_length=255,
        error_messages={
            "required": _("Choose a file to attach."),
            "empty": _("The file is empty."),
            "invalid": _("No file was received: choose it again."),
            "max_length": _("Shorten the file name to %(max)d characters (it has %(length)d)."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Keep the description within %(limit_value)d characters.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self, small=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = services.max_attachment_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB (it has %(size)s MB)."),
                code="too_large",
                params={"limit": _megabytes(limit), "size": _megabytes(upload.size)},
            )
        return upload


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _days_field(label, help_text) -> forms.IntegerField:
    """A number of days of a reminder rule, counted as the warning lights count; 0 is off."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=90,
        help_text=format_lazy("{} {}", help_text, _("0: off.")),
        error_messages={
            "required": _("Give a number of days (0 switches this reminder off)."),
            "min_value": _("Give 0 or more days."),
            "max_value": _("Give at most %(limit_value)d days."),
            "invalid": _("Enter a whole number of days."),
        },
    )


class SettingsForm(forms.Form):
    """The campaign settings page (the office): dates, the warning lights' due-soon window, the
    reminder rules, the public submission page. Validated again by the model (end before start
    …)."""

    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_on = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )
    ends_on = forms.DateField(
        label=_("End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )
    due_soon_days = forms.IntegerField(
        label=_("Yellow light from"),
        min_value=1,
        max_value=60,
        help_text=_("A measure turns yellow this many days before its deadline, red after it."),
        error_messages={
            "required": _("Say how many days before the deadline the light turns yellow."),
            "min_value": _("Give at least %(limit_value)d day."),
            "max_value": _("Give at most %(limit_value)d days."),
            "invalid": _("Enter a whole number of days."),
        },
    )
    due_soon_basis = forms.ChoiceField(
        label=_("Counted in"),
        choices=DeadlineBasis.choices,
        widget=forms.RadioSelect,
        help_text=_("Working days skip weekends and official holidays, and count make-up days."),
    )
    remind_after_days = _days_field(
        _("Start reminder after"),
        _("A measure still in draft this many days after it was assigned is reminded to start."),
    )
    remind_before_days = _days_field(
        _("Reminder before the deadline"),
        _("The responsible unit is reminded this many days before the deadline."),
    )
    remind_on_deadline = forms.BooleanField(label=_("Reminder on the deadline day"), required=False)
    remind_overdue_every = _days_field(
        _("Overdue reminder every"),
        _("While a measure is overdue, its unit is reminded every this many days."),
    )
    escalate_after = forms.IntegerField(
        label=_("Escalate after (reminders)"),
        min_value=0,
        max_value=20,
        help_text=_(
            "After this many overdue reminders a yellow supervision notice goes to the unit's "
            "leaders and supervisors, after as many again a red one. 0: no escalation."
        ),
        error_messages={
            "required": _("Say after how many overdue reminders a notice is issued (0: never)."),
            "min_value": _("Give 0 or more."),
            "max_value": _("Give at most %(limit_value)d."),
            "invalid": _("Enter a whole number."),
        },
    )
    public_intake_enabled = forms.BooleanField(
        label=_("Public submission page open"), required=False
    )

    def __init__(self, *args, campaign, **kwargs):
        kwargs.setdefault("initial", {k: getattr(campaign, k) for k in services.SETTINGS_FIELDS})
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        style(self)
        self.fields["due_soon_basis"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end date is before the start date."))
        return data

    def changes(self) -> dict:
        return {k: self.cleaned_data[k] for k in services.SETTINGS_FIELDS}
