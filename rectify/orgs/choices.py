from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A user's role in one campaign, scoped to an org subtree (docs/domain.md, Roles)."""

    OFFICE = "office", _("Campaign office")
    LEADER = "leader", _("Leader")
    GROUP = "group", _("Work group member")
    LIAISON = "liaison", _("Unit liaison")
    SUPERVISOR = "supervisor", _("Supervisor")
    VIEWER = "viewer", _("Viewer")


class OrgKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department")
    BUREAU = "bureau", _("Provincial bureau")
    SOCIAL_ORG = "social_org", _("Social organisation")
    OTHER = "other", _("Other unit")


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province-level")
    PREFECTURE = "prefecture", _("Prefecture-level")
    COUNTY = "county", _("County-level")
