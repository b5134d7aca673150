"""Forms of the ledger pages. They validate at the edge; services.py does the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger import services
from rectify.ledger.choices import Difficulty, Nature, Source
from rectify.ledger.models import Category, Problem, ProblemList
from rectify.orgs.models import OrgUnit, Region

# --- problems --------------------------------------------------------------------------------


def category_choices(campaign) -> list[tuple[int, str]]:
    """The campaign's categories in tree order, each indented under its parent."""
    nodes = list(Category.objects.filter(campaign=campaign).order_by("order", "id"))
    children: dict[int | None, list[Category]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    out: list[tuple[int, str]] = []

    def walk(parent_id, depth):
        for node in children.get(parent_id, []):
            out.append((node.pk, f"{'　' * depth}{node.name}"))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return out


class CategoryField(forms.ModelChoiceField):
    """A category of the campaign, shown indented in tree order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, queryset=Category.objects.none(), **kwargs)

    def set_campaign(self, campaign, choices=None):
        self.queryset = Category.objects.filter(campaign=campaign)
        if choices is None:
            choices = category_choices(campaign)
        self.choices = [("", self.empty_label), *choices]


class ProblemForm(forms.Form):
    """Create or edit a problem (the office). On edit, the hidden `version` is the one the user
    saw; services.update_problem refuses a stale one."""

    title = forms.CharField(
        label=_("Title"),
        max_length=Problem._meta.get_field("title").max_length,
        error_messages={
            "required": _("Give the problem a title."),
            "max_length": _("Keep the title within %(limit_value)d characters."),
        },
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    public_title = forms.CharField(
        label=_("Public title"),
        required=False,
        max_length=Problem._meta.get_field("public_title").max_length,
        help_text=Problem._meta.get_field("public_title").help_text,
        error_messages={"max_length": _("Keep the title within %(limit_value)d characters.")},
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("", "---------"), *Source.choices],
        error_messages={
            "required": _("Choose where the problem came from."),
            "invalid_choice": _("Choose one of the listed sources."),
        },
    )
    category = CategoryField(
        label=_("Category"),
        required=False,
        error_messages={"invalid_choice": _("Choose a category of this campaign.")},
    )
    nature = forms.ChoiceField(
        label=_("Nature"), required=False, choices=[("", "---------"), *Nature.choices]
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulty"), required=False, choices=[("", "---------"), *Difficulty.choices]
    )
    is_prominent = forms.BooleanField(label=_("Prominent problem"), required=False)
    lists = forms.ModelMultipleChoiceField(
        label=_("Problem lists"),
        required=False,
        queryset=ProblemList.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose lists of this campaign.")},
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        required=False,
        queryset=OrgUnit.objects.none(),
        error_messages={"invalid_choice": _("Choose a unit of this campaign.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": _("Choose a listed region.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    FIELDS = services.PROBLEM_FIELDS

    def __init__(self, *args, campaign, problem: Problem | None = None, **kwargs):
        if problem is not None:
            initial = {name: getattr(problem, name) for name in self.FIELDS}
            initial["category"] = problem.category_id
            initial["lead_unit"] = problem.lead_unit_id
            initial["region"] = problem.region_id
            initial["lists"] = [pl.pk for pl in problem.lists.all()]
            initial["version"] = problem.version
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.problem = problem
        self.fields["category"].set_campaign(campaign)
        self.fields["lists"].queryset = ProblemList.objects.filter(campaign=campaign)
        self.fields["lead_unit"].queryset = OrgUnit.objects.subtree(campaign.org_unit)
        self.fields["region"].queryset = Region.objects.order_by("code")
        style(self)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the problem a title."), code="required")
        return title

    def values(self) -> dict:
        """Every field under the service's names (lists as a list)."""
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        data["lists"] = list(self.cleaned_data["lists"])
        return data

    def changes(self) -> dict:
        """The fields that differ from the problem as loaded (lists only if they changed)."""
        data = self.values()
        lists = data.pop("lists")
        out = {k: v for k, v in data.items() if v != getattr(self.problem, k)}
        if {pl.pk for pl in lists} != {pl.pk for pl in self.problem.lists.all()}:
            out["lists"] = lists
        return out


# What the bulk form does to the selected problems' prominence.
PROMINENCE_CHOICES = [("", _("(unchanged)")), ("1", _("Prominent")), ("0", _("Not prominent"))]


class BulkClassifyForm(forms.Form):
    """Classify the checked problems of the list page at once. Empty fields leave a value as
    it is; problems are ids of the campaign (checked again by the service)."""

    problems = forms.ModelMultipleChoiceField(
        queryset=Problem.objects.none(),
        error_messages={
            "required": _("Tick at least one problem."),
            "invalid_choice": _("A ticked problem is not in this campaign."),
            "invalid_pk_value": _("A ticked problem is not in this campaign."),
        },
    )
    category = CategoryField(label=_("Category"), required=False, empty_label=_("(unchanged)"))
    nature = forms.ChoiceField(
        label=_("Nature"), required=False, choices=[("", _("(unchanged)")), *Nature.choices]
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulty"),
        required=False,
        choices=[("", _("(unchanged)")), *Difficulty.choices],
    )
    prominent = forms.ChoiceField(label=_("Prominence"), required=False, choices=PROMINENCE_CHOICES)
    add_list = forms.ModelChoiceField(
        label=_("Add to list"),
        required=False,
        queryset=ProblemList.objects.none(),
        empty_label=_("(none)"),
    )
    remove_list = forms.ModelChoiceField(
        label=_("Remove from list"),
        required=False,
        queryset=ProblemList.objects.none(),
        empty_label=_("(none)"),
    )

    def __init__(self, *args, campaign, categories=None, lists=None, **kwargs):
        """`categories` (category_choices) and `lists` ((id, name) pairs) save the queries when
        the page has them already. Its ids are its own: the filter form on the same page has
        fields of the same names."""
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["problems"].queryset = Problem.objects.filter(campaign=campaign)
        self.fields["category"].set_campaign(campaign, categories)
        for name in ("add_list", "remove_list"):
            field = self.fields[name]
            field.queryset = ProblemList.objects.filter(campaign=campaign)
            if lists is not None:
                field.choices = [("", field.empty_label), *lists]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changes() and not self.list_changes():
            raise forms.ValidationError(
                _("Choose what to set for the ticked problems."), code="nothing"
            )
        add, remove = data.get("add_list"), data.get("remove_list")
        if add is not None and add == remove:
            raise forms.ValidationError(
                _("Adding to and removing from the same list cancel out."), code="same_list"
            )
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        out = {}
        if data.get("category") is not None:
            out["category"] = data["category"]
        for name in ("nature", "difficulty"):
            if data.get(name):
                out[name] = data[name]
        if data.get("prominent"):
            out["is_prominent"] = data["prominent"] == "1"
        return out

    def list_changes(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("add_list", "remove_list") if data.get(k) is not None}


class ProblemListForm(forms.Form):
    """Create or rename a problem list."""

    name = forms.CharField(
        label=_("Name"),
        max_length=ProblemList._meta.get_field("name").max_length,
        error_messages={
            "required": _("Give the list a name."),
            "max_length": _("Keep the name within %(limit_value)d characters."),
        },
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, campaign, instance: ProblemList | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial", {"name": instance.name, "description": instance.description}
            )
        super().__init__(*args, **kwargs)
        self.campaign, self.instance = campaign, instance
        style(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the list a name."), code="required")
        others = ProblemList.objects.filter(campaign=self.campaign, name=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("A list with this name already exists."), code="unique")
        return name


class CategoryForm(forms.Form):
    """Add a category (under a parent, or at the top) or rename one."""

    name = forms.CharField(
        label=_("Name"),
        max_length=Category._meta.get_field("name").max_length,
        error_messages={
            "required": _("Give the category a name."),
            "max_length": _("Keep the name within %(limit_value)d characters."),
        },
    )
    standard = forms.CharField(
        label=_("Standard checked against"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    parent = CategoryField(
        label=_("Under"),
        required=False,
        empty_label=_("(top level)"),
        error_messages={"invalid_choice": _("Choose a category of this campaign.")},
    )

    def __init__(self, *args, campaign, instance: Category | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {"name": instance.name, "standard": instance.standard})
        super().__init__(*args, **kwargs)
        self.campaign, self.instance = campaign, instance
        if instance is not None:
            del self.fields["parent"]  # renaming does not move a category
        else:
            self.fields["parent"].set_campaign(campaign)
        style(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the category a name."), code="required")
        return name

    def clean(self):
        data = super().clean()
        name = data.get("name")
        if name:
            parent = self.instance.parent if self.instance else data.get("parent")
            siblings = Category.objects.filter(campaign=self.campaign, parent=parent, name=name)
            if self.instance is not None:
                siblings = siblings.exclude(pk=self.instance.pk)
            if siblings.exists():
                self.add_error(
                    "name",
                    forms.ValidationError(_("This category already exists here."), code="unique"),
                )
        return data
