"""Forms of the public page: what anyone may send, validated before anything is stored."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rectify.feedback.choices import FeedbackKind
from rectify.feedback.models import TEXT_MAX_LENGTH
from rectify.feedback.public.services import CONTACT_MAX_LENGTH, NAME_MAX_LENGTH, TEXT_MIN_LENGTH
from rectify.orgs.choices import RegionLevel
from rectify.orgs.models import Region

HONEYPOT = "website"


class PublicFeedbackForm(forms.Form):
    """A problem or suggestion from the public. The text is kept exactly as typed (not even
    stripped); only its length is checked, on the text without surrounding whitespace."""

    kind = forms.ChoiceField(
        label=_("Type of submission"),
        choices=FeedbackKind.choices,
        initial=FeedbackKind.PROBLEM,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("What you want to tell us"),
        strip=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Please write what you want to tell us."),
            "max_length": _(
                "Please keep it within %(limit_value)s characters (you wrote %(show_value)s)."
            ),
        },
    )
    region = forms.ModelChoiceField(
        label=_("Region it concerns"),
        queryset=Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"),
        required=False,
        empty_label=_("(not specified)"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        max_length=NAME_MAX_LENGTH,
        error_messages={"max_length": _("At most %(limit_value)s characters.")},
    )
    contact = forms.CharField(
        label=_("Phone or other contact (optional)"),
        required=False,
        max_length=CONTACT_MAX_LENGTH,
        help_text=_("Only the campaign office sees it, and only to ask you about this matter."),
        error_messages={"max_length": _("At most %(limit_value)s characters.")},
    )
    # Hidden from people (and from screen readers); bots that fill every field fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _("At least %(min)s and at most %(max)s characters.") % {
            "min": TEXT_MIN_LENGTH,
            "max": TEXT_MAX_LENGTH,
        }

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text.strip()) < TEXT_MIN_LENGTH:
            raise forms.ValidationError(
                _("Please write at least %(min)s characters, so the office can follow it up."),
                code="min_length",
                params={"min": TEXT_MIN_LENGTH},
            )
        return text

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_contact(self):
        return self.cleaned_data["contact"].strip()

    def clean(self):
        data = super().clean()
        if data.get(HONEYPOT):
            raise forms.ValidationError(
                _("This submission could not be accepted."), code="honeypot"
            )
        return data


class ReceiptLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XX",
            }
        ),
        error_messages={"required": _("Enter the receipt code you were given.")},
    )
