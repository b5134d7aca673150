"""The office's forms: decisions on closure requests, second confirmations, re-checks,
extension requests and the confirmation rules. Page-only; the rules themselves are checked
again by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger import derived
from rectify.ledger.choices import RecheckResult, Source
from rectify.orgs.models import User

TEXT_LIMIT = 2000
TEXT_ERRORS = {"max_length": _("Keep it within %(limit_value)d characters.")}


def _text(label, *, required=True, rows=3, help_text="", missing=None):
    errors = dict(TEXT_ERRORS)
    if missing:
        errors["required"] = missing
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=errors,
    )


def _date(label, *, required=False, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _Versioned(forms.Form):
    """The version of the measure the user saw (a change meanwhile is shown, not overwritten)."""

    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


# --- decisions on the verification page: one form each, told apart by a prefix ---------------

DECISIONS = ("accept", "return", "not_feasible", "reopen", "confirm", "decline")
# The state machine's transition for each decision on the page (confirm is a service apart).
TRANSITION_OF = {
    "accept": "verify",
    "return": "return",
    "not_feasible": "close_not_feasible",
    "reopen": "reopen",
    "decline": "decline_confirmation",
}


class AcceptForm(_Versioned):
    """销号: the verification opinion (验收意见) is required; a re-check (回头看) optional."""

    opinion = _text(
        _("Verification opinion"),
        missing=_("Give the verification opinion before closing."),
        help_text=_("Stored with the closure and shown on the measure and in the ledger."),
    )
    recheck_on = _date(
        _("Re-check on (optional)"),
        help_text=_(
            "On that day the measure appears on the office's and the unit's re-check lists."
        ),
    )

    def clean_recheck_on(self):
        day = self.cleaned_data.get("recheck_on")
        if day is not None and day < derived.today():
            raise forms.ValidationError(_("Choose a re-check date from today on."))
        return day


class ReturnForm(_Versioned):
    """退回: the reasons the unit will see under "returned to us"."""

    reason = _text(
        _("Reasons for returning"),
        missing=_("Say why the request is returned: the unit reads it."),
        help_text=_("The unit sees these reasons in its task list."),
    )


class NotFeasibleForm(_Versioned):
    """暂不具备整改条件: closed without rectification, counted apart, with the reason."""

    reason = _text(
        _("Why the conditions for rectification are not yet met"),
        missing=_("Say why the conditions for rectification are not yet met."),
        help_text=_("Counted apart from rectified problems, never as rectified."),
    )


class ReopenForm(_Versioned):
    reason = _text(
        _("What relapsed"),
        missing=_("Say what relapsed."),
        help_text=_(
            "Reopening counts a relapse: it stays counted even after the measure is closed again."
        ),
    )


class ConfirmForm(_Versioned):
    note = _text(_("Note (optional)"), required=False, rows=2)


class DeclineForm(_Versioned):
    reason = _text(
        _("Why the closure is declined"),
        missing=_("Say why the closure is declined."),
        help_text=_("The measure goes back to the unit with these reasons."),
    )


DECISION_FORMS = {
    "accept": AcceptForm,
    "return": ReturnForm,
    "not_feasible": NotFeasibleForm,
    "reopen": ReopenForm,
    "confirm": ConfirmForm,
    "decline": DeclineForm,
}


def decision_forms(version: int, bound: tuple[str, forms.Form] | None = None) -> dict:
    """One form per decision (the one just posted bound, with its errors)."""
    out = {}
    for name, cls in DECISION_FORMS.items():
        if bound is not None and bound[0] == name:
            out[name] = bound[1]
        else:
            out[name] = cls(prefix=name, initial={"version": version})
    return out


# --- re-checks (回头看) ---------------------------------------------------------------------------


class RecheckScheduleForm(forms.Form):
    due_on = _date(_("Re-check on"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self, small=True)

    def clean_due_on(self):
        day = self.cleaned_data["due_on"]
        if day < derived.today():
            raise forms.ValidationError(_("Choose a re-check date from today on."))
        return day


class RecheckRecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(RecheckResult.HELD, _("Held")), (RecheckResult.RELAPSED, _("Relapsed: reopen"))],
        widget=forms.RadioSelect,
    )
    note = _text(
        _("Findings"),
        required=False,
        rows=2,
        help_text=_("Required when it relapsed: the measure reopens with these findings."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self, small=True)

    def clean(self):
        data = super().clean()
        if data.get("result") == RecheckResult.RELAPSED and not data.get("note"):
            self.add_error("note", _("Say what relapsed."))
        return data


# --- extension requests (延期申请) ----------------------------------------------------------------


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))], widget=forms.HiddenInput
    )
    deadline = _date(_("New deadline"), help_text=_("Leave empty to grant the date asked for."))
    reason = _text(
        _("Reply to the unit"), required=False, rows=2, help_text=_("Required when refusing.")
    )

    def __init__(self, *args, extension=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extension = extension
        style(self, small=True)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason"):
            self.add_error("reason", _("Say why the extension is refused."))
        deadline = data.get("deadline")
        current = self.extension.measure.deadline if self.extension is not None else None
        late_enough = deadline is None or current is None or deadline > current
        if data.get("decision") == "grant" and not late_enough:
            self.add_error(
                "deadline",
                _("Grant a date after the current deadline (%(date)s).")
                % {"date": current.isoformat()},
            )
        return data

    @property
    def grant(self) -> bool:
        return self.cleaned_data["decision"] == "grant"


# --- second confirmation rules --------------------------------------------------------------------


class ConfirmationRuleForm(forms.Form):
    source = forms.ChoiceField(label=_("Problem source"), choices=Source.choices)
    confirmer = forms.ModelChoiceField(
        label=_("Confirmed by"),
        queryset=User.objects.none(),
        help_text=_(
            "A member of the campaign. A source that has a rule gets this confirmer instead."
        ),
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmer"].queryset = (
            User.objects.filter(memberships__campaign=campaign, is_active=True)
            .distinct()
            .order_by("display_name", "username")
        )
        style(self)
