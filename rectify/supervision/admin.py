from django.contrib import admin

from rectify.audit.logged_admin import LoggedModelAdmin
from rectify.supervision.models import SupervisionAction


@admin.register(SupervisionAction)
class SupervisionActionAdmin(LoggedModelAdmin):
    list_display = ("kind", "target_unit", "actor", "happened_at", "campaign")
    list_filter = ("campaign", "kind")
    search_fields = ("content", "outcome")
    raw_id_fields = ("measure", "problem")
    autocomplete_fields = ("target_unit",)
