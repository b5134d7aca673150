"""The one filter of the feedback list (the page and its htmx refresh); the coverage view links
to it with the same meaning of "region" and "unit" (reports/coverage.py).

    ff = FeedbackFilter(request.GET, campaign=campaign, items=scope_feedback(user, campaign),
                        activities=scope_activities(user, campaign),
                        groups=scope_work_groups(user, campaign))
    ff.form   # the bound form (its errors are field-level)
    ff.qs     # the filtered items, newest first
"""

from django import forms
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.core.forms import style
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.orgs.models import OrgUnit, Region
from rectify.reports.coverage import feedback_at_unit_q, in_region_q

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.held_on:%Y-%m-%d} {obj.title}"


class FeedbackFilterForm(forms.Form):
    q = forms.CharField(label=_("Search the text"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *FeedbackKind.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("All")
    )
    activity = ActivityChoiceField(
        label=_("Research activity"),
        queryset=ResearchActivity.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    group = forms.ModelChoiceField(
        label=_("Work group"),
        queryset=WorkGroup.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )
    received_to = forms.DateField(
        label=_("Received until"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )

    def __init__(self, *args, campaign, activities: QuerySet, groups: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("code")
        self.fields["unit"].queryset = OrgUnit.objects.order_by("path")
        self.fields["activity"].queryset = activities.order_by("-held_on", "-id")
        self.fields["group"].queryset = groups.order_by("id")
        style(self, small=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("The end date is before the start date."))
        return data


class FeedbackFilter:
    """Filter a (scoped) feedback queryset by the list page's form data."""

    def __init__(self, data, *, campaign, items: QuerySet, activities: QuerySet, groups):
        self.campaign = campaign
        self.items = items
        self.form = FeedbackFilterForm(
            data or None, campaign=campaign, activities=activities, groups=groups
        )

    @cached_property
    def qs(self) -> QuerySet:
        qs = self.items
        if self.form.is_bound:
            self.form.is_valid()  # an invalid field shows its error; the valid ones still apply
            data = {name: self.form.cleaned_data.get(name) for name in self.form.fields}
            qs = self._apply(qs, data)
        return qs.select_related("region", "activity", "work_group").order_by("-received_at", "-id")

    def _apply(self, qs, data) -> QuerySet:
        term = (data["q"] or "").strip()
        if term:
            qs = qs.filter(Q(text__icontains=term) | Q(title__icontains=term))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["channel"]:
            qs = qs.filter(channel=data["channel"])
        if data["region"]:
            qs = qs.filter(in_region_q(data["region"]))
        if data["unit"]:
            qs = qs.filter(feedback_at_unit_q(data["unit"].path))
        if data["activity"]:
            qs = qs.filter(activity=data["activity"])
        if data["group"]:
            qs = qs.filter(work_group=data["group"])
        if data["received_from"]:
            qs = qs.filter(received_at__date__gte=data["received_from"])
        if data["received_to"]:
            qs = qs.filter(received_at__date__lte=data["received_to"])
        return qs
