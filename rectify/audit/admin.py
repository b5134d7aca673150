from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rectify.audit.models import ActivityLog
from rectify.core.admin import ReadOnlyAdmin


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "target_repr", "campaign")
    list_filter = ("action", "campaign")
    search_fields = ("target_repr", "reason")
    date_hierarchy = "at"
    list_select_related = ("actor", "campaign")

    @admin.display(description=_("object type"))
    def target_kind(self, obj):
        return obj.target_type.name
