"""Ledger rows in the admin: read-only, because only the services write them (versions, field
rules, the state machine, the activity log). The pages and /api/v1/ are the write path.
"""

from django.contrib import admin

from rectify.audit.logged_admin import LoggedModelAdmin
from rectify.core.admin import ReadOnlyAdmin
from rectify.core.models import CalendarDay
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


@admin.register(CalendarDay)
class CalendarDayAdmin(LoggedModelAdmin):
    """Holidays and make-up workdays decide deadlines in working days: registered with the
    ledger, whose deadlines they move (core, where the table lives, stands below audit)."""

    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "parent", "campaign", "order")
    list_filter = ("campaign",)
    search_fields = ("name",)


@admin.register(ProblemList)
class ProblemListAdmin(ReadOnlyAdmin):
    list_display = ("name", "campaign", "order")
    list_filter = ("campaign",)


class ProblemFeedbackInline(admin.TabularInline):
    model = ProblemFeedback
    extra = 0
    can_delete = False
    readonly_fields = ("feedback_item", "merged_by", "merged_at", "reason", "similarity")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "source", "is_prominent", "lead_unit", "campaign")
    list_filter = ("campaign", "source", "is_prominent", "lists", "category")
    search_fields = ("title", "description")
    inlines = (ProblemFeedbackInline,)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "state", "responsible_unit", "deadline", "mode")
    list_filter = ("campaign", "state", "mode")
    search_fields = ("content", "responsible_person")
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
