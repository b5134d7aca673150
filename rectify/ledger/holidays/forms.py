"""The calendar's forms: which year, and the entry (the notice pasted, the list corrected)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger.holidays.years import MAX_YEAR, MIN_YEAR

TEXT_MAX = 20_000  # a notice is about 1,000 characters; a year's list at most 366 lines


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self, small=True)


class EntryForm(forms.Form):
    notice = forms.CharField(
        label=_("The State Council's notice"),
        help_text=_(
            "Paste the notice (国务院办公厅关于××年部分节假日安排的通知) as published, "
            "then “Read the notice”."
        ),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "data-testid": "notice"}),
    )
    lines = forms.CharField(
        label=_("Days, one a line"),
        help_text=_(
            "Date, name, then 放假 (day off) or 上班 (make-up workday), e.g. "
            "“2027-01-01 元旦 放假”, “2027-02-20 春节 上班”. Correct here what the notice was "
            "read wrong; saving stores exactly this list for the year."
        ),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 14, "data-testid": "lines"}),
    )
    basis = forms.CharField(
        label=_("Basis"),
        help_text=_("The notice's number, e.g. 国办发明电〔2026〕7号: kept with each change."),
        required=False,
        max_length=200,
    )
    based_on = forms.CharField(required=False, widget=forms.HiddenInput)
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
        self.fields["lines"].widget.attrs["class"] += " font-monospace"
