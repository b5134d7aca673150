from django.contrib import admin

from rectify.audit.logged_admin import LoggedModelAdmin
from rectify.campaigns.models import (
    ActivityAttachment,
    Campaign,
    Indicator,
    Program,
    ResearchActivity,
    WorkGroup,
)
from rectify.core.admin import ReadOnlyAdmin


@admin.register(Campaign)
class CampaignAdmin(LoggedModelAdmin):
    list_display = ("name", "slug", "org_unit", "parent", "starts_on", "ends_on")
    search_fields = ("name", "slug")
    autocomplete_fields = ("org_unit", "parent")


@admin.register(WorkGroup)
class WorkGroupAdmin(LoggedModelAdmin):
    list_display = ("name", "campaign", "leader")
    list_filter = ("campaign",)
    search_fields = ("name",)
    filter_horizontal = ("members", "regions", "org_units")
    autocomplete_fields = ("leader",)


@admin.register(ResearchActivity)
class ResearchActivityAdmin(LoggedModelAdmin):
    list_display = ("title", "kind", "held_on", "region", "work_group", "participant_count")
    list_filter = ("campaign", "kind", "region")
    search_fields = ("title", "place")
    date_hierarchy = "held_on"


@admin.register(Program)
class ProgramAdmin(LoggedModelAdmin):
    list_display = ("name", "group_label", "campaign", "lead_unit", "starts_on", "ends_on")
    list_filter = ("campaign",)
    filter_horizontal = ("problems", "measures")


@admin.register(Indicator)
class IndicatorAdmin(LoggedModelAdmin):
    list_display = ("name", "value", "unit", "as_of", "campaign")
    list_filter = ("campaign",)


@admin.register(ActivityAttachment)
class ActivityAttachmentAdmin(ReadOnlyAdmin):
    """Files are attached through the activity's page or the API (content-addressed)."""

    list_display = ("original_name", "activity", "size", "sha256", "uploaded_at")
    search_fields = ("original_name", "sha256")
