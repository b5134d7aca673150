"""The admin base class whose saves and deletes write the activity log.

Every app's admin.py builds on it for the rows the admin may still write (units, users,
campaigns, work groups …); ledger rows are read-only there (core.admin.ReadOnlyAdmin): only
the services write them.
"""

from django.contrib import admin

from rectify.audit.log import record, snapshot


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


def _campaign_of(obj):
    if obj._meta.label == "campaigns.Campaign":  # audit stands below campaigns: no import
        return obj
    campaign = getattr(obj, "campaign", None)
    if campaign is None and hasattr(obj, "measure"):
        campaign = obj.measure.campaign
    return campaign
