"""The responsible unit's forms: a progress report with evidence files, a closure request
(申请销号) and an extension request (延期申请).

They check what the page can check (dates, lengths, sizes, that files were received); the
services check the rules again and decide (who may, which state, fresh evidence).
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.core.forms import style
from rectify.ledger.models import Evidence, Measure

TEXT_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000
NAME_MAX_LENGTH = Evidence._meta.get_field("original_name").max_length


class MultipleFileInput(forms.FileInput):
    """<input type="file" multiple>: the browser sends every chosen file under one name."""

    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several evidence files at once, each checked on its own; errors name the file."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [f for f in (data or []) if f] if isinstance(data, list | tuple) else [data]
        uploads = [f for f in uploads if f]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        errors, cleaned = [], []
        limit = settings.EVIDENCE_MAX_BYTES
        for upload in uploads:
            name = getattr(upload, "name", "") or ""
            if not name or not hasattr(upload, "size"):
                errors.append(
                    forms.ValidationError(_("No file was received: choose it again."), "invalid")
                )
            elif upload.size == 0:
                errors.append(
                    forms.ValidationError(
                        _("“%(name)s” is empty."), code="empty", params={"name": name}
                    )
                )
            elif upload.size > limit:
                errors.append(
                    forms.ValidationError(
                        _("“%(name)s” is larger than %(limit)s MB."),
                        code="too_large",
                        params={"name": name, "limit": limit // (1024 * 1024)},
                    )
                )
            else:
                cleaned.append(upload)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _clean_text(value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise forms.ValidationError(message, code="required")
    return value


class ProgressForm(forms.Form):
    """进展情况: the date, what was done, how far along, and evidence files."""

    reported_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date of this progress."),
            "invalid": _("Enter a date such as 2026-12-31."),
        },
    )
    text = forms.CharField(
        label=_("Progress"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Describe the progress."),
            "max_length": _(
                "Keep the text within %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    percent_done = forms.IntegerField(
        label=_("Percent done"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": 1}),
        error_messages={
            "required": _("Give the percent done (0–100)."),
            "invalid": _("Give the percent done as a whole number (0–100)."),
            "min_value": _("Give the percent done (0–100)."),
            "max_value": _("Give the percent done (0–100)."),
        },
    )
    files = EvidenceFilesField(
        label=_("Evidence files"),
        help_text=_("Photos, scans, documents: several at once."),
    )

    def __init__(self, *args, measure: Measure, **kwargs):
        self.measure = measure
        self.today = timezone.localdate()
        kwargs.setdefault("auto_id", f"progress-{measure.pk}-%s")
        super().__init__(*args, **kwargs)
        date_attrs = self.fields["reported_on"].widget.attrs
        date_attrs["max"] = self.today.isoformat()
        if measure.campaign.starts_on:
            date_attrs["min"] = measure.campaign.starts_on.isoformat()
        style(self)

    def clean_text(self):
        return _clean_text(self.cleaned_data.get("text"), _("Describe the progress."))

    def clean_reported_on(self):
        day = self.cleaned_data["reported_on"]
        if day > self.today:
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")
        starts_on = self.measure.campaign.starts_on
        if starts_on and day < starts_on:
            raise forms.ValidationError(
                _("The date cannot be before the campaign starts (%(date)s)."),
                code="before_start",
                params={"date": starts_on.isoformat()},
            )
        return day


class ClosureRequestForm(forms.Form):
    """申请销号: what was done (required), more evidence if wanted, the version the user saw."""

    description = forms.CharField(
        label=_("What was done"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Describe what was done before requesting closure."),
            "max_length": _(
                "Keep the text within %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    files = EvidenceFilesField(
        label=_("Add evidence files"),
        help_text=_("Evidence of this round of work, if not uploaded yet."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, measure: Measure, fresh: int, **kwargs):
        self.measure = measure
        self.fresh = fresh
        kwargs.setdefault("auto_id", f"closure-{measure.pk}-%s")
        super().__init__(*args, **kwargs)
        style(self)

    def clean_description(self):
        return _clean_text(
            self.cleaned_data.get("description"),
            _("Describe what was done before requesting closure."),
        )

    def clean(self):
        data = super().clean()
        if not self.fresh and not data.get("files") and "files" not in self.errors:
            self.add_error(
                "files",
                forms.ValidationError(
                    _(
                        "No evidence of this round of work yet: files uploaded before the "
                        "measure was started or last returned do not count for a new request. "
                        "Add at least one file."
                    ),
                    code="evidence_required",
                ),
            )
        return data


class ExtensionForm(forms.Form):
    """延期申请: the date asked for and why."""

    requested_deadline = forms.DateField(
        label=_("Requested deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the deadline you ask for."),
            "invalid": _("Enter a date such as 2026-12-31."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Say why the deadline should move."),
            "max_length": _("Keep the reason within %(limit_value)d characters."),
        },
    )

    def __init__(self, *args, measure: Measure, **kwargs):
        self.measure = measure
        kwargs.setdefault("auto_id", f"extension-{measure.pk}-%s")
        super().__init__(*args, **kwargs)
        earliest = timezone.localdate()
        if measure.deadline and measure.deadline >= earliest:
            earliest = measure.deadline + dt.timedelta(days=1)
        self.earliest = earliest
        self.fields["requested_deadline"].widget.attrs["min"] = earliest.isoformat()
        style(self)

    def clean_reason(self):
        return _clean_text(self.cleaned_data.get("reason"), _("Say why the deadline should move."))

    def clean_requested_deadline(self):
        day = self.cleaned_data["requested_deadline"]
        deadline = self.measure.deadline
        if deadline is not None and day <= deadline:
            raise forms.ValidationError(
                _("Ask for a date after the current deadline (%(date)s)."),
                code="bad_date",
                params={"date": deadline.isoformat()},
            )
        if day < timezone.localdate():
            raise forms.ValidationError(_("Ask for a date in the future."), code="bad_date")
        return day
