"""The one filter of the problem list. The page, its htmx refresh, the API and the
exports use it, so "which problems" means the same thing everywhere.

    pf = ProblemFilter(request.GET, campaign=campaign, problems=scope_problems(user, campaign),
                       measures=scope_measures(user, campaign))
    pf.form   # the bound form (render it; its errors are field-level)
    pf.qs     # the filtered problems, ordered by number, annotated with state and counts

Filters on measures (responsible unit, due status, measure state) only look at the measures the
user may see, so a filter can never reveal another unit's work.
"""

from django import forms
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger import derived
from rectify.ledger.choices import DueStatus, MeasureState, ProblemState, Source
from rectify.ledger.models import Category, ProblemList
from rectify.orgs.models import OrgUnit

YES_NO = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]
DUE_CHOICES = [
    ("", _("All")),
    (DueStatus.OVERDUE, _("Has an overdue measure")),
    (DueStatus.DUE_SOON, _("Has a measure due soon")),
]


def _with_blank(choices):
    return [("", _("All")), *choices]


class ProblemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles"), required=False, max_length=100)
    list = forms.ModelChoiceField(
        label=_("Problem list"),
        queryset=ProblemList.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=_with_blank(Source.choices), required=False
    )
    prominent = forms.ChoiceField(label=_("Prominent"), choices=YES_NO, required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=_with_blank(ProblemState.choices), required=False
    )
    measure_state = forms.ChoiceField(
        label=_("Measure state"), choices=_with_blank(MeasureState.choices), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    due = forms.ChoiceField(label=_("Deadline"), choices=DUE_CHOICES, required=False)

    def __init__(self, *args, campaign, units: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list"].queryset = ProblemList.objects.filter(campaign=campaign)
        self.fields["category"].queryset = Category.objects.filter(campaign=campaign)
        self.fields["unit"].queryset = units
        style(self, small=True)


class ProblemFilter:
    """Filter a (scoped) problem queryset by the list page's form data."""

    def __init__(self, data, *, campaign, problems: QuerySet, measures: QuerySet):
        self.campaign = campaign
        self.problems = problems
        self.measures = measures
        units = OrgUnit.objects.filter(
            Q(pk__in=measures.values("responsible_unit")) | Q(pk__in=problems.values("lead_unit"))
        )
        # Unknown keys (page, …) are ignored; an empty query string is an unfiltered list.
        self.form = ProblemFilterForm(data or None, campaign=campaign, units=units)

    @cached_property
    def on(self):
        return derived.today()

    @cached_property
    def qs(self) -> QuerySet:
        visible = self.measures.filter(problem=OuterRef("pk"))
        measures_due = derived.annotate_due_status(self.measures, self.campaign, self.on)
        qs = derived.annotate_problem_state(self.problems).annotate(
            measure_count=_count(visible),
            overdue_count=_count(visible.filter(derived.overdue_q(self.on))),
        )
        if self.form.is_bound:
            self.form.is_valid()  # an invalid field shows its error; the valid ones still apply
            data = {name: self.form.cleaned_data.get(name) for name in self.form.fields}
            qs = self._apply(qs, data, measures_due)
        return (
            qs.select_related("lead_unit", "category").prefetch_related("lists").order_by("number")
        )

    def _apply(self, qs, data, measures_due) -> QuerySet:
        if data["q"]:
            qs = qs.filter(title__icontains=data["q"].strip())
        if data["list"]:
            qs = qs.filter(lists=data["list"])
        if data["category"]:
            qs = qs.filter(category=data["category"])
        if data["source"]:
            qs = qs.filter(source=data["source"])
        if data["prominent"]:
            qs = qs.filter(is_prominent=data["prominent"] == "1")
        if data["state"]:
            qs = qs.filter(state=data["state"])
        if data["measure_state"]:
            qs = qs.filter(_has(self.measures.filter(state=data["measure_state"])))
        if data["unit"]:
            subtree = Q(responsible_unit__path__startswith=data["unit"].path)
            qs = qs.filter(
                _has(self.measures.filter(subtree))
                | Q(lead_unit__path__startswith=data["unit"].path)
            )
        if data["due"]:
            qs = qs.filter(_has(measures_due.filter(due_status=data["due"])))
        return qs


def _has(measures: QuerySet) -> Exists:
    return Exists(measures.filter(problem=OuterRef("pk")))


def _count(measures: QuerySet) -> Coalesce:
    counted = measures.order_by().values("problem").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
