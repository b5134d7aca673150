"""Forms of the feedback pages: the multi-row entry form and the triage form. They validate at
the edge (every message names its row and field); feedback/items/services.py does the writing."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from rectify.campaigns.models import WorkGroup
from rectify.core.forms import style
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.items.entry import ENTRY_CHANNELS, MAX_ROWS, channel_for
from rectify.feedback.models import TEXT_MAX_LENGTH, TRIAGE_FIELDS, FeedbackItem
from rectify.ledger.models import Category
from rectify.orgs.models import OrgUnit, Region

PASTE_MAX_LENGTH = MAX_ROWS * 1000
EARLIEST_DAY = dt.date(1990, 1, 1)
TEXT_ERRORS = {
    "required": _("Enter the text of the item."),
    "max_length": _("Keep the text within %(limit_value)d characters (it has %(show_value)d)."),
    "null_characters_not_allowed": _("The text contains a NUL character: remove it."),
}


class EntryForm(forms.Form):
    """What the rows share: the activity, the work group, the day received, and the region and
    channel new rows start with. Plus the box to paste several lines into."""

    activity = forms.IntegerField(widget=forms.HiddenInput, required=False)
    work_group = forms.ModelChoiceField(
        label=_("Work group"),
        queryset=WorkGroup.objects.none(),
        required=False,
        error_messages={
            "required": _("Choose the work group that received these items."),
            "invalid_choice": _("Choose one of your work groups."),
        },
    )
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: now."),
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region for new rows"),
        queryset=Region.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a listed region.")},
    )
    channel = forms.ChoiceField(
        label=_("Channel for new rows"),
        choices=ENTRY_CHANNELS,
        error_messages={"invalid_choice": _("Choose one of the listed channels.")},
    )
    paste = forms.CharField(
        label=_("Paste several lines"),
        required=False,
        strip=False,
        max_length=PASTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line; blank lines are skipped. Each line becomes a row."),
        error_messages={
            "max_length": _("Paste at most %(limit_value)d characters at once."),
            "null_characters_not_allowed": _("The text contains a NUL character: remove it."),
        },
    )
    paste_kind = forms.ChoiceField(
        label=_("Pasted lines are"),
        choices=FeedbackKind.choices,
        initial=FeedbackKind.PROBLEM,
        required=False,
    )

    def __init__(self, *args, groups, activity=None, is_office=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.fields["work_group"].queryset = groups
        self.fields["work_group"].required = not is_office
        if not is_office and not self.is_bound and not self.initial.get("work_group"):
            own = list(groups[:2])
            if len(own) == 1:
                self.initial["work_group"] = own[0].pk
        self.fields["region"].queryset = Region.objects.order_by("code")
        if activity is not None and activity.work_group_id:
            del self.fields["work_group"]  # the activity's group received them
        style(self)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day is not None and day < EARLIEST_DAY:
            raise forms.ValidationError(_("Enter a date after 1990."), code="too_early")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(
                _("The day received cannot be in the future."), code="future"
            )
        return day

    def received_at(self):
        """The moment to record: now for today (or no day), else noon of that day (the hour is
        not known; noon keeps the day the same in every time zone near ours)."""
        day = self.cleaned_data.get("received_on")
        if day is None or day == timezone.localdate():
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

    def chosen_group(self):
        if self.activity is not None and self.activity.work_group_id:
            return self.activity.work_group
        return self.cleaned_data.get("work_group")


def entry_defaults(activity) -> dict:
    """The header's initial values: what the activity implies."""
    if activity is None:
        return {"channel": "other"}
    return {
        "activity": activity.pk,
        "work_group": activity.work_group_id,
        "received_on": activity.held_on,
        "region": activity.region_id,
        "channel": channel_for(activity),
    }


class FeedbackRowForm(forms.Form):
    """One item. A row without text is left out (blank rows are ignored)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FeedbackKind.choices,
        error_messages={
            "required": _("Choose problem or suggestion."),
            "invalid_choice": _("Choose problem or suggestion."),
        },
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX_LENGTH,
        strip=False,  # kept exactly as received
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=TEXT_ERRORS,
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a listed region.")},
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=ENTRY_CHANNELS,
        error_messages={
            "required": _("Choose the channel."),
            "invalid_choice": _("Choose one of the listed channels."),
        },
    )
    allow_duplicate = forms.BooleanField(label=_("Save anyway"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("code")
        style(self, small=True)
        self.duplicate_of = None  # an existing item with the same text (set by the view)
        self.duplicate_visible = False
        self.duplicate_row = None  # an earlier row of this form with the same text

    def has_changed(self):
        return bool((self.data.get(self.add_prefix("text")) or "").strip())

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(TEXT_ERRORS["required"], code="required")
        return text

    @property
    def number(self) -> int:
        return int(self.prefix.rsplit("-", 1)[1]) + 1

    @property
    def warned(self) -> bool:
        return self.duplicate_of is not None or self.duplicate_row is not None


class BaseRowFormSet(forms.BaseFormSet):
    """Every row may be left blank; an unbound set shows exactly its `initial` rows."""

    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": ngettext_lazy(
            "Enter at most %(num)d row at once.", "Enter at most %(num)d rows at once.", "num"
        ),
    }

    def __init__(self, *args, defaults=None, **kwargs):
        self.defaults = defaults or {}
        super().__init__(*args, **kwargs)

    def initial_form_count(self):
        return 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return len(self.initial or [])

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None:
            kwargs["initial"] = self.defaults
        return kwargs

    def filled(self) -> list[FeedbackRowForm]:
        return [f for f in self.forms if f.has_changed()]

    def raw_rows(self) -> list[dict]:
        """The rows as submitted (not validated), to show them again."""
        rows = []
        for i in range(min(self.total_form_count(), self.absolute_max)):
            prefix = self.add_prefix(i)
            rows.append(
                {
                    "kind": self.data.get(f"{prefix}-kind", ""),
                    "text": self.data.get(f"{prefix}-text", ""),
                    "region": self.data.get(f"{prefix}-region", ""),
                    "channel": self.data.get(f"{prefix}-channel", ""),
                    "allow_duplicate": bool(self.data.get(f"{prefix}-allow_duplicate")),
                }
            )
        return rows


RowFormSet = forms.formset_factory(
    FeedbackRowForm,
    formset=BaseRowFormSet,
    extra=0,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)


class TriageForm(forms.Form):
    """Correct the triage fields of an item; the text is never edited."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FeedbackKind.choices,
        error_messages={"invalid_choice": _("Choose problem or suggestion.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a listed region.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a category of this campaign.")},
    )
    org_unit = forms.ModelChoiceField(
        label=_("Unit concerned"),
        queryset=OrgUnit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a listed unit.")},
    )
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: FeedbackItem, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "kind": item.kind,
                "region": item.region_id,
                "category": item.category_id,
                "org_unit": item.org_unit_id,
                "updated_at": item.updated_at.isoformat(),
            },
        )
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["region"].queryset = Region.objects.order_by("code")
        self.fields["category"].queryset = Category.objects.filter(campaign=item.campaign_id)
        self.fields["org_unit"].queryset = OrgUnit.objects.order_by("path")
        style(self, small=True)

    def clean_updated_at(self):
        value = self.cleaned_data["updated_at"]
        try:
            return parse_datetime(value) if value else None
        except ValueError:
            return None

    def changes(self) -> dict:
        """The triage fields whose value differs from the item as loaded."""
        return {
            name: self.cleaned_data[name]
            for name in TRIAGE_FIELDS
            if self.cleaned_data[name] != getattr(self.item, name)
        }
