"""The office's switch for the public page, shown on the campaign home to the office only."""

from django import template
from django.urls import reverse

from rectify.campaigns.scoping import can_change_settings

register = template.Library()


@register.inclusion_tag("feedback/public_toggle.html", takes_context=True)
def public_page_toggle(context, campaign):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_change_settings(user, campaign):
        return {"show": False}
    return {
        "show": True,
        "campaign": campaign,
        "public_url": request.build_absolute_uri(reverse("public-page", args=[campaign.slug])),
        "csrf_token": context.get("csrf_token"),
    }
