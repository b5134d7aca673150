"""The responsible unit's forms on the measure page: progress with evidence, the closure request
(申请销号), the extension request (延期申请). Built by ledger/work/views.py, which also answers
them, so the page and the form's own answers show the same thing."""

from django import template

from rectify.ledger import states
from rectify.ledger.choices import MeasureState
from rectify.ledger.work import views

register = template.Library()


@register.inclusion_tag("ledger/work/_progress_form.html", takes_context=True)
def progress_form(context, measure, origin="measure"):
    """The progress form, for those who may report on this measure now (else nothing); a form
    with errors when the context carries one (progress_form)."""
    request = context.get("request")
    if request is None or not views.may_report(request.user, measure):
        return {"hidden": True}
    return views.progress_context(
        request, measure, form=context.get("progress_form"), origin=origin
    )


@register.simple_tag(takes_context=True)
def may_report(context, measure) -> bool:
    request = context.get("request")
    return request is not None and views.may_report(request.user, measure)


@register.inclusion_tag("ledger/work/_closure_form.html", takes_context=True)
def closure_request(context, measure, oob=False):
    """The closure request form (oob: as an htmx out-of-band swap of the one on the page)."""
    request = context.get("request")
    if request is None:
        return {"hidden": True}
    return {**views.closure_context(request, measure), "oob": oob}


@register.inclusion_tag("ledger/work/_closure_pending.html")
def closure_pending(measure):
    """The closure request waiting for the office, while the measure waits for verification."""
    if measure.state != MeasureState.CLOSURE_REQUESTED:
        return {}
    return {"pending_request": states.pending_request(measure)}


@register.inclusion_tag("ledger/work/_extension.html", takes_context=True)
def extension_box(context, measure):
    request = context.get("request")
    if request is None:
        return {"hidden": True}
    return views.extension_context(request, measure)


@register.filter
def of_report(evidence, report) -> list:
    """The evidence files attached to one progress report (from the list the page has)."""
    return [e for e in evidence or () if e.report_id == report.pk]


@register.filter
def without(transitions, name: str) -> list:
    """The transitions other than `name` (one that has a form of its own)."""
    return [t for t in transitions or () if t.name != name]


@register.filter
def offers(transitions, name: str) -> bool:
    return any(t.name == name for t in transitions or ())
