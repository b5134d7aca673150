"""The one form-styling rule of every page: Bootstrap classes on each visible widget."""

from django import forms


def style(form: forms.Form, *, small: bool = False) -> None:
    """Bootstrap classes on every visible widget (small: the compact filter bars)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select" + (" form-select-sm" if small else "")
        else:
            css = "form-control" + (" form-control-sm" if small else "")
        widget.attrs.setdefault("class", css)
