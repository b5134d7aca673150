from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.audit.models import ActivityLog


class LoggedModelAdmin(admin.ModelAdmin):
    """Admin whose saves and deletes write the activity log (the admin is atomic per request)."""

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f in {x.name for x in obj._meta.concrete_fields}]
        before = {}
        if change and fields:
            old = type(obj).objects.get(pk=obj.pk)
            before = snapshot(old, fields)
        super().save_model(request, obj, form, change)
        if fields or not change:
            record(
                obj,
                f"admin.{'change' if change else 'add'}",
                actor=request.user,
                campaign=_campaign_of(obj),
                before=before,
                after=snapshot(obj, fields),
            )

    def save_formset(self, request, form, formset, change):
        """Inline rows (e.g. milestones) are logged like the parent."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record(obj, "admin.delete", actor=request.user, campaign=_campaign_of(obj))
            obj.delete()
        for obj in instances:
            is_new = obj.pk is None
            obj.save()
            fields = [f.name for f in obj._meta.concrete_fields if f.name != "id"]
            record(
                obj,
                f"admin.{'add' if is_new else 'change'}",
                actor=request.user,
                campaign=_campaign_of(obj),
                after=snapshot(obj, fields),
            )
        formset.save_m2m()

    def delete_model(self, request, obj):
        record(obj, "admin.delete", actor=request.user, campaign=_campaign_of(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(obj, "admin.delete", actor=request.user, campaign=_campaign_of(obj))
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services may write (state changes, verifications, merges)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _campaign_of(obj):
    from rectify.campaigns.models import Campaign

    if isinstance(obj, Campaign):
        return obj
    campaign = getattr(obj, "campaign", None)
    if campaign is None and hasattr(obj, "measure"):
        campaign = obj.measure.campaign
    return campaign


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
