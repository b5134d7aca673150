from django.contrib import admin

from rectify.consolidation.models import Merge, NotDuplicate, Run, SetAside
from rectify.core.admin import ReadOnlyAdmin


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    """Regroupings are started and run only through consolidation.services."""

    list_display = ("campaign", "level", "status", "total", "group_count", "created_at")
    list_filter = ("campaign", "level", "status")


@admin.register(Merge)
class MergeAdmin(ReadOnlyAdmin):
    """Merges are made and undone only on the board (consolidation.services)."""

    list_display = ("campaign", "problem_number", "problem_title", "merged_by", "merged_at")
    list_filter = ("campaign",)


@admin.register(NotDuplicate)
class NotDuplicateAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "item_a", "item_b", "created_by", "created_at")
    list_filter = ("campaign",)


@admin.register(SetAside)
class SetAsideAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "feedback_item", "reason", "created_by", "created_at")
    list_filter = ("campaign",)
