"""Forms of the consolidation board. They validate at the edge and bind ids to rows of the
campaign; consolidation/services.py decides and writes."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from rectify.consolidation.models import Level
from rectify.ledger.choices import Source
from rectify.ledger.models import Category, Problem

REASON_MAX = 1000


def _reason(required=False):
    return forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        required=required,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class RegroupForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.DUPLICATE)


class GroupActionForm(forms.Form):
    """What every action on a group carries: the version the person saw, and a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _reason()


class AcceptForm(GroupActionForm):
    """Merge the chosen items into a new problem (title, source, category) or an existing one
    (number, or "number. title" as the list offers it)."""

    MODES = (("new", _("a new problem")), ("existing", _("an existing problem")))

    mode = forms.ChoiceField(choices=MODES)
    items = forms.TypedMultipleChoiceField(coerce=int, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *Source.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    problem = forms.CharField(label=_("Existing problem"), max_length=220, required=False)

    def __init__(self, *args, campaign, member_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["items"].choices = [(pk, pk) for pk in member_ids]
        self.fields["category"].queryset = Category.objects.filter(campaign=campaign)

    def clean(self):
        data = super().clean()
        if data.get("mode") == "new":
            if not (data.get("title") or "").strip():
                self.add_error("title", _("Give the new problem a title."))
            if not data.get("source"):
                self.add_error("source", _("Choose where the problem comes from."))
        elif data.get("mode") == "existing":
            raw = (data.get("problem") or "").strip()
            match = re.match(r"^\s*(\d+)", raw)
            problem = None
            if match:
                problem = Problem.objects.filter(
                    campaign=self.campaign, number=int(match.group(1))
                ).first()
            if problem is None:
                self.add_error("problem", _("Choose a problem of this campaign by its number."))
            data["problem"] = problem
        return data


class ItemsForm(GroupActionForm):
    """Split: the chosen items go into a new group."""

    items = forms.TypedMultipleChoiceField(coerce=int)
    keep_apart = forms.BooleanField(
        label=_("Keep them apart in later regroupings"), required=False, initial=True
    )

    def __init__(self, *args, member_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(pk, pk) for pk in member_ids]
        self.fields["items"].error_messages["required"] = _("Choose the items to split off.")


class ItemActionForm(GroupActionForm):
    """One item of the group: move it (to a group number), or mark it not a duplicate."""

    item = forms.TypedChoiceField(coerce=int)
    to = forms.IntegerField(label=_("To group"), required=False, min_value=1)

    def __init__(self, *args, member_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(pk, pk) for pk in member_ids]


class ReasonForm(forms.Form):
    reason = _reason()


class SetAsideForm(forms.Form):
    reason = _reason(required=True)
