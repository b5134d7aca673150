from django.contrib import admin

from rectify.audit.admin import LoggedModelAdmin
from rectify.core.models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(LoggedModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
