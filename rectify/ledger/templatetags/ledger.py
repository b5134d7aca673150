"""Template helpers of the ledger's rows: state and due-status badges, days late, evidence
previews and kinds."""

from django import template

from rectify.campaigns.choices import DeadlineBasis
from rectify.ledger import derived, previews, worklists
from rectify.ledger.choices import (
    DUE_STATUS_COLORS,
    LIGHT_COLORS,
    MEASURE_STATE_COLORS,
    PROBLEM_STATE_COLORS,
    DueStatus,
    Light,
    MeasureState,
    ProblemState,
)
from rectify.ledger.evidence_files import kind_of

register = template.Library()


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
def light(measure, due_status: str) -> str:
    """The measure's warning light (绿灯 / 黄灯 / 红灯), "" once closed (derived.light)."""
    return derived.light(measure.state, due_status)


@register.filter
def light_color(value: str) -> str:
    return LIGHT_COLORS.get(value, "secondary")


@register.filter
def light_label(value: str) -> str:
    return Light(value).label if value in Light.values else ""


@register.inclusion_tag("ledger/_lights_legend.html")
def lights_legend(campaign):
    """The legend of the warning lights with this campaign's due-soon window."""
    return {"campaign": campaign, "working": campaign.due_soon_basis == DeadlineBasis.WORKING}


@register.filter
def days_overdue(measure) -> int:
    """Calendar days late; only asked for measures annotated overdue (no extra query)."""
    return derived.days_overdue(measure)


@register.simple_tag(takes_context=True)
def work_counts(context, campaign) -> dict:
    """The navigation's badges: what the reader's unit and office have to act on now (None where
    the reader holds no such role). Computed once per request."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated or campaign is None:
        return {}
    cache = request.__dict__.setdefault("_rectify_work_counts", {}) if request else {}
    if campaign.pk not in cache:
        cache[campaign.pk] = worklists.attention_counts(user, campaign)
    return cache[campaign.pk]


@register.filter
def evidence_preview_url(evidence) -> str | None:
    """The path of the evidence's preview image, or None when it has none."""
    return previews.preview_url(evidence)


@register.filter
def evidence_kind(evidence):
    """The evidence's kind (evidence_files.Kind: label, icon) from its stored content type, or
    None for a type outside the kinds (files stored before types were checked)."""
    return kind_of(evidence.content_type)
