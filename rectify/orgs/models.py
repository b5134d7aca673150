"""Users, the organisation tree, regions and per-campaign memberships."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from rectify.orgs.choices import OrgKind, RegionLevel, Role


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships, not from here."""

    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username


class Region(models.Model):
    """A division by GB/T 2260 code: the 31 provinces and the XPCC, optionally lower levels."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)
    short_name = models.CharField(_("short name"), max_length=20)
    level = models.CharField(
        _("level"), max_length=12, choices=RegionLevel.choices, default=RegionLevel.PROVINCE
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class OrgUnitQuerySet(models.QuerySet):
    def subtree(self, root: "OrgUnit"):
        """The unit and all its descendants (one indexed prefix query)."""
        return self.filter(path__startswith=root.path)


class OrgUnit(models.Model):
    """A node of the organisation tree: ministry, department, bureau, social organisation …

    `path` is a materialised path ("000001/000007/") kept by save(), so a subtree is one
    prefix query on both SQLite and PostgreSQL.
    """

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    code = models.CharField(_("code"), max_length=30, unique=True, null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrgKind.choices, default=OrgKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="org_units",
    )
    path = models.CharField(_("tree path"), max_length=255, editable=False, db_index=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.pk is None:
                self.path = "?"
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
                self.path = self._compute_path()
                super().save(update_fields=["path"])
                return
            old_path = OrgUnit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
            self.path = self._compute_path()
            if old_path and self.path.startswith(old_path) and self.path != old_path:
                raise ValidationError(_("A unit cannot be moved under itself."))
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = self.path + child.path[len(old_path) :]
                    super(OrgUnit, child).save(update_fields=["path"])

    def _compute_path(self) -> str:
        """From the parent's path as stored now: an in-memory parent may be stale."""
        prefix = ""
        if self.parent_id:
            prefix = (
                OrgUnit.objects.select_for_update()
                .filter(pk=self.parent_id)
                .values_list("path", flat=True)
                .get()
            )
        return f"{prefix}{self.pk:06d}/"

    def is_within(self, root: "OrgUnit") -> bool:
        return self.path.startswith(root.path)


class Membership(models.Model):
    """A user's role in one campaign, limited to an org subtree (empty = the whole campaign)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("scope (unit and its subunits)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign", "role", "org_unit"],
                name="%(app_label)s_%(class)s_unique_user_campaign_role_unit",
                violation_error_message=_("This user already has this role for this unit."),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org_unit or '*'}"

    def clean(self):
        if self.role == Role.LIAISON and not self.org_unit_id:
            raise ValidationError({"org_unit": _("A unit liaison must be given a unit.")})
