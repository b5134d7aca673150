from django.contrib import admin

from rectify.audit.logged_admin import LoggedModelAdmin
from rectify.core.admin import ReadOnlyAdmin
from rectify.feedback.models import TRIAGE_FIELDS, ColumnMapping, FeedbackItem, ImportBatch


@admin.register(FeedbackItem)
class FeedbackItemAdmin(LoggedModelAdmin):
    """Text is kept as received: after intake only the triage fields can be corrected here."""

    list_display = ("__str__", "kind", "channel", "region", "received_at", "campaign")
    list_filter = ("campaign", "kind", "channel", "region")
    search_fields = ("title", "text", "receipt_code", "external_id")
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("receipt_code",)
        return [
            f.name for f in FeedbackItem._meta.fields if f.name not in TRIAGE_FIELDS and f.editable
        ]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Imports are written and undone only through rectify.feedback.imports."""

    list_display = (
        "file_name",
        "campaign",
        "status",
        "rows_read",
        "rows_imported",
        "rows_present",
        "rows_refused",
        "created_by",
        "created_at",
    )
    list_filter = ("campaign", "status")
    search_fields = ("file_name", "sha256")


@admin.register(ColumnMapping)
class ColumnMappingAdmin(LoggedModelAdmin):
    list_display = ("name", "campaign", "updated_at", "last_used_at")
    list_filter = ("campaign",)
