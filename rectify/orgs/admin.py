from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from rectify.audit.logged_admin import LoggedModelAdmin
from rectify.orgs.models import Membership, OrgUnit, Region, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("org_unit", "campaign")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Rectify"), {"fields": ("display_name", "phone", "org_unit")}),
    )
    list_display = ("username", "display_name", "org_unit", "is_active", "is_staff")
    search_fields = ("username", "display_name", "email")
    autocomplete_fields = ("org_unit",)
    inlines = (MembershipInline,)


@admin.register(OrgUnit)
class OrgUnitAdmin(LoggedModelAdmin):
    list_display = ("name", "kind", "parent", "region", "code")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent", "region")


@admin.register(Region)
class RegionAdmin(LoggedModelAdmin):
    list_display = ("code", "name", "short_name", "level")
    search_fields = ("code", "name", "short_name")


@admin.register(Membership)
class MembershipAdmin(LoggedModelAdmin):
    list_display = ("user", "campaign", "role", "org_unit")
    list_filter = ("role", "campaign")
    search_fields = ("user__username", "user__display_name")
    autocomplete_fields = ("user", "campaign", "org_unit")
