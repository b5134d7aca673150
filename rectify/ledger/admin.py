from django.contrib import admin

from rectify.audit.admin import LoggedModelAdmin, ReadOnlyAdmin
from rectify.ledger.models import (
    Category,
    Evidence,
    Measure,
    Milestone,
    Problem,
    ProblemFeedback,
    ProblemList,
    ProgressReport,
    Verification,
)


@admin.register(Category)
class CategoryAdmin(LoggedModelAdmin):
    list_display = ("name", "parent", "campaign", "order")
    list_filter = ("campaign",)
    search_fields = ("name",)


@admin.register(ProblemList)
class ProblemListAdmin(LoggedModelAdmin):
    list_display = ("name", "campaign", "order")
    list_filter = ("campaign",)


class ProblemFeedbackInline(admin.TabularInline):
    model = ProblemFeedback
    extra = 0
    can_delete = False
    readonly_fields = ("feedback_item", "merged_by", "merged_at", "reason", "similarity")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(LoggedModelAdmin):
    list_display = ("number", "title", "source", "is_prominent", "lead_unit", "campaign")
    list_filter = ("campaign", "source", "is_prominent", "lists", "category")
    search_fields = ("title", "description")
    readonly_fields = ("version", "created_by")
    filter_horizontal = ("lists",)
    inlines = (ProblemFeedbackInline,)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Measure)
class MeasureAdmin(LoggedModelAdmin):
    """State is read-only here: it changes only through the state machine (the pages or API)."""

    list_display = ("__str__", "state", "responsible_unit", "deadline", "mode")
    list_filter = ("campaign", "state", "mode")
    search_fields = ("content", "responsible_person")
    readonly_fields = ("state", "phase_complete", "closed_on", "version", "created_by")
    autocomplete_fields = ("responsible_unit",)
    raw_id_fields = ("problem",)
    inlines = (MilestoneInline,)


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("measure", "reported_on", "percent_done", "reported_by")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "measure", "size", "sha256", "uploaded_at")
    search_fields = ("original_name", "sha256")


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ("measure", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
