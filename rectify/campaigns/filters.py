"""The one filter of the research-activity list (the page and its htmx refresh).

af = ActivityFilter(request.GET, campaign=campaign,
                    activities=scope_activities(user, campaign),
                    feedback=scope_feedback(user, campaign))
af.form   # the bound form (its errors are field-level)
af.qs     # the filtered activities, newest first, with the items collected you may see
"""

from django import forms
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import WorkGroup
from rectify.core.forms import style
from rectify.orgs.models import OrgUnit, Region
from rectify.reports.coverage import in_region_q, in_unit_q

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles and places"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *ActivityKind.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All")
    )
    group = forms.ModelChoiceField(
        label=_("Work group"),
        queryset=WorkGroup.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("All")
    )
    held_from = forms.DateField(
        label=_("Held from"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )
    held_to = forms.DateField(
        label=_("Held until"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter a date such as 2026-03-15.")},
    )

    def __init__(self, *args, groups: QuerySet, units: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("code")
        self.fields["group"].queryset = groups
        self.fields["unit"].queryset = units
        style(self, small=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("held_from"), data.get("held_to")
        if start and end and end < start:
            self.add_error("held_to", _("The end date is before the start date."))
        return data


class ActivityFilter:
    """Filter a (scoped) activity queryset by the list page's form data."""

    def __init__(self, data, *, campaign, activities: QuerySet, feedback: QuerySet, groups):
        self.campaign = campaign
        self.activities = activities
        self.feedback = feedback
        self.form = ActivityFilterForm(
            data or None, groups=groups, units=OrgUnit.objects.subtree(campaign.org_unit)
        )

    @cached_property
    def qs(self) -> QuerySet:
        collected = (
            self.feedback.filter(activity=OuterRef("pk"))
            .order_by()
            .values("activity")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs = self.activities.annotate(
            item_count=Coalesce(Subquery(collected, output_field=IntegerField()), 0)
        )
        if self.form.is_bound:
            self.form.is_valid()  # an invalid field shows its error; the valid ones still apply
            data = {name: self.form.cleaned_data.get(name) for name in self.form.fields}
            qs = self._apply(qs, data)
        return qs.select_related("work_group", "region", "org_unit").order_by("-held_on", "-id")

    def _apply(self, qs, data) -> QuerySet:
        if data["q"] and data["q"].strip():
            term = data["q"].strip()
            qs = qs.filter(Q(title__icontains=term) | Q(place__icontains=term))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["region"]:
            qs = qs.filter(in_region_q(data["region"]))
        if data["unit"]:
            qs = qs.filter(in_unit_q(data["unit"].path))
        if data["group"]:
            qs = qs.filter(work_group=data["group"])
        if data["held_from"]:
            qs = qs.filter(held_on__gte=data["held_from"])
        if data["held_to"]:
            qs = qs.filter(held_on__lte=data["held_to"])
        return qs
