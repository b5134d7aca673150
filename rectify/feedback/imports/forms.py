"""Forms of the import pages: the upload, and the column mapping with defaults.

The mapping form is built from the sheet that was read: one choice of column per field, the
sheet and header rows, and the values for rows whose file has no such column.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from rectify.core.spreadsheets.reader import Sheet
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.imports.fields import FIELDS

ACCEPT = ".xlsx,.xls,.csv,.txt"
NOT_IMPORTED = ""


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        allow_empty_file=True,  # refused below, with the file's name
        help_text=_(".xlsx, .xls or .csv (UTF-8, GBK, GB18030 or Big5; separated by , ; or tab)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file “%(name)s” is %(size)s; files up to %(limit)s can be imported."),
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
                code="too_large",
            )
        if upload.size == 0:
            raise forms.ValidationError(
                _("The file “%(name)s” is empty."), params={"name": upload.name}, code="empty"
            )
        return upload


def column_field_name(field_name: str) -> str:
    return f"col_{field_name}"


class MappingForm(forms.Form):
    """Which column holds which field, and the values for rows without one."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    header_rows = forms.TypedChoiceField(
        label=_("Header rows"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Detect")), ("1", "1"), ("2", "2")],
    )
    default_kind = forms.ChoiceField(
        label=_("Kind of rows without one"),
        required=False,
        choices=[("", "—"), *FeedbackKind.choices],
    )
    default_channel = forms.ChoiceField(
        label=_("Channel of rows without one"),
        required=False,
        choices=[("", "—"), *Channel.choices],
    )
    default_region = forms.CharField(
        label=_("Region of rows without one"),
        required=False,
        max_length=100,
        help_text=_("A region name or its six-digit code."),
    )
    save_as = forms.CharField(
        label=_("Remember this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Files with the same columns will then map themselves."),
    )

    def __init__(self, *args, sheet: Sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [
            (s.name, f"{s.name} ({_('hidden')})" if s.hidden else s.name)
            for s in sheet.workbook.sheets
        ]
        columns = [(NOT_IMPORTED, _("— not imported —"))] + [
            (c.label or c.letter, f"{c.letter} · {c.label}" if c.label else c.letter)
            for c in sheet.columns
        ]
        for spec in FIELDS:
            self.fields[column_field_name(spec.name)] = forms.ChoiceField(
                label=spec.label, required=False, choices=columns
            )

    def column_fields(self):
        return [self[column_field_name(spec.name)] for spec in FIELDS]

    def columns(self) -> dict[str, str]:
        """field → header (or letter) of the mapped columns."""
        return {
            spec.name: header
            for spec in FIELDS
            if (header := self.cleaned_data.get(column_field_name(spec.name)))
        }

    def defaults(self) -> dict[str, str]:
        return {
            name: value
            for name in ("kind", "channel", "region")
            if (value := (self.cleaned_data.get(f"default_{name}") or "").strip())
        }


def mapping_initial(sheet_name: str, header_rows, columns: dict, defaults: dict, saved) -> dict:
    """The form's initial values from a suggestion or a remembered mapping."""
    initial = {"sheet": sheet_name, "header_rows": header_rows or ""}
    for name, header in columns.items():
        initial[column_field_name(name)] = header
    for name in ("kind", "channel", "region"):
        if defaults.get(name):
            initial[f"default_{name}"] = defaults[name]
    if saved is not None:
        initial["save_as"] = saved.name
    return initial


class RunForm(forms.Form):
    """The choice after the check: import the good rows (or all, when none is bad)."""

    mode = forms.ChoiceField(
        choices=[("good_rows", _("Import the good rows")), ("all_or_nothing", _("Import"))]
    )
