"""Template helpers shared by every page: badges, big numbers, the navbar's campaigns."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language

from rectify.campaigns.scoping import scope_campaigns
from rectify.ledger import derived
from rectify.ledger.choices import (
    DUE_STATUS_COLORS,
    MEASURE_STATE_COLORS,
    PROBLEM_STATE_COLORS,
    DueStatus,
    MeasureState,
    ProblemState,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def user_campaigns(context):
    """The user's top campaigns (for the navbar), through the scoping module."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    campaigns = list(scope_campaigns(request.user).only("slug", "name", "parent"))
    ids = {c.pk for c in campaigns}
    return [c for c in campaigns if c.parent_id not in ids]  # subordinate ones are on home


BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


@register.filter
def plain(value) -> str:
    """User text without bidi control characters, for places that cannot isolate it (<title>)."""
    return str(value).translate(BIDI_CONTROLS)


@register.filter
def measure_state_color(state: str) -> str:
    return MEASURE_STATE_COLORS.get(state, "secondary")


@register.filter
def measure_state_label(state: str) -> str:
    return MeasureState(state).label if state in MeasureState.values else state


@register.filter
def problem_state_color(state: str) -> str:
    return PROBLEM_STATE_COLORS.get(state, "secondary")


@register.filter
def problem_state_label(state: str) -> str:
    return ProblemState(state).label if state in ProblemState.values else state


@register.filter
def due_color(status: str) -> str:
    return DUE_STATUS_COLORS.get(status or "", "light")


@register.filter
def due_label(status: str) -> str:
    return DueStatus(status or "").label if (status or "") in DueStatus.values else status


@register.filter
def days_overdue(measure) -> int:
    """Calendar days late; only asked for measures annotated overdue (no extra query)."""
    return derived.days_overdue(measure)


@register.filter
def num(value) -> str:
    """Thousands separators in every language: 12345 → "12,345".

    Django's zh-Hans number format has no separator, but Chinese official figures use commas.
    """
    if value is None or value == "":
        return ""
    return intcomma(value, use_l10n=False)


@register.filter
def big_number(value) -> str:
    """Thousands separators; in Chinese, large figures in 万 / 亿 as official reports write them.

    44000000 → "4,400万" (zh) or "44,000,000" (en).
    """
    if value is None or value == "":
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    lang = (get_language() or "").lower()
    if lang.startswith("zh"):
        yi, wan = Decimal(100_000_000), Decimal(10_000)
        if abs(number) >= yi and (number / yi) == (number / yi).quantize(Decimal("0.01")):
            return _scaled(number, yi, "亿")
        if abs(number) >= 10 * wan or (abs(number) >= wan and number % wan == 0):
            return _scaled(number, wan, "万")
    return intcomma(number, use_l10n=False)


@register.filter
def percent(part, whole) -> int:
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


def _scaled(number: Decimal, size: Decimal, suffix: str) -> str:
    scaled = (number / size).quantize(Decimal("0.01")).normalize()
    if scaled == scaled.to_integral_value():
        scaled = scaled.quantize(Decimal(1))
    return f"{intcomma(scaled, use_l10n=False)}{suffix}"
