from django.contrib import admin

from rectify.audit.admin import LoggedModelAdmin
from rectify.feedback.models import TRIAGE_FIELDS, FeedbackItem


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
