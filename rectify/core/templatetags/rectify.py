"""Template helpers shared by every page: plain text for <title>, numbers as Chinese reports
write them."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language

register = template.Library()


BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


@register.filter
def plain(value) -> str:
    """User text without bidi control characters, for places that cannot isolate it (<title>)."""
    return str(value).translate(BIDI_CONTROLS)


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
