"""Template helpers of the office's parts of the measure page: whether the reader is the office,
and the (unbound) forms of the office's decisions shown there."""

from django import template

from rectify.ledger.office.forms import DECISION_FORMS, RecheckScheduleForm
from rectify.ledger.office.scoping import can_verify

register = template.Library()


@register.simple_tag(takes_context=True)
def is_office_of(context, campaign) -> bool:
    user = context.get("user")
    return user is not None and campaign is not None and can_verify(user, campaign)


@register.simple_tag
def decision_form(name: str, measure):
    """The empty form of one decision of the verification page (posted to measure-verify)."""
    return DECISION_FORMS[name](prefix=name, initial={"version": measure.version})


@register.simple_tag
def recheck_schedule_form():
    return RecheckScheduleForm()


@register.filter
def days_after(later, earlier) -> int:
    """Calendar days from `earlier` to `later` (dates); 0 when either is missing."""
    if later is None or earlier is None:
        return 0
    return (later - earlier).days


@register.filter
def file_ext(name: str) -> str:
    """The extension of a file name, upper case, for a file card ("PDF"); "FILE" without one."""
    stem, dot, ext = str(name).rpartition(".")
    return ext.upper()[:5] if dot and stem and ext else "FILE"
