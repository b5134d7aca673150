"""Test data builders. They make inert rows only; state changes go through the services,
so every transition in a test has its real activity-log row."""

import datetime as dt
import itertools

from django.core.files.base import ContentFile

from rectify.campaigns.models import Campaign
from rectify.ledger import services
from rectify.ledger.choices import MeasureMode, Source
from rectify.orgs.choices import OrgKind, Role
from rectify.orgs.models import Membership, OrgUnit, Region, User

PASSWORD = "test-pass-123"
_seq = itertools.count(1)


def make_unit(name: str, parent: OrgUnit | None = None, kind: str = OrgKind.OTHER) -> OrgUnit:
    return OrgUnit.objects.create(name=name, parent=parent, kind=kind)


def make_user(username: str, **fields) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    return user


def make_campaign(org_unit: OrgUnit, slug: str | None = None, **fields) -> Campaign:
    slug = slug or f"c{next(_seq)}"
    return Campaign.objects.create(
        name=fields.pop("name", slug), slug=slug, org_unit=org_unit, **fields
    )


def grant(user: User, campaign: Campaign, role: str, unit: OrgUnit | None = None) -> Membership:
    return Membership.objects.create(user=user, campaign=campaign, role=role, org_unit=unit)


def add_evidence(measure, actor, content: bytes = b"proof", name: str = "proof.txt"):
    return services.add_evidence(measure, actor=actor, upload=ContentFile(content), name=name)


class World:
    """A small campaign with one person per role (the personas of every permission test).

    ministry ─┬─ bureau_a (liaison: own unit)  ── org_a1 (a child of bureau_a)
              └─ bureau_b (liaison2: other unit)
    """

    def __init__(self):
        self.ministry = make_unit("民政部", kind=OrgKind.MINISTRY)
        self.bureau_a = make_unit("甲省民政厅", self.ministry, OrgKind.BUREAU)
        self.org_a1 = make_unit("甲省某协会", self.bureau_a, OrgKind.SOCIAL_ORG)
        self.bureau_b = make_unit("乙省民政厅", self.ministry, OrgKind.BUREAU)
        self.campaign = make_campaign(self.ministry, slug="world", name="测试专项工作")
        # get_or_create: transactional tests flush the regions the data migration loaded.
        self.region, _ = Region.objects.get_or_create(
            code="110000", defaults={"name": "北京市", "short_name": "北京"}
        )
        self.office = make_user("office")
        self.leader = make_user("leader")
        self.group = make_user("group")
        self.liaison = make_user("liaison", org_unit=self.bureau_a)
        self.liaison2 = make_user("liaison2", org_unit=self.bureau_b)
        self.supervisor = make_user("supervisor")
        self.viewer = make_user("viewer")
        self.outsider = make_user("outsider")
        grant(self.office, self.campaign, Role.OFFICE)
        grant(self.leader, self.campaign, Role.LEADER)
        grant(self.group, self.campaign, Role.GROUP)
        grant(self.liaison, self.campaign, Role.LIAISON, self.bureau_a)
        grant(self.liaison2, self.campaign, Role.LIAISON, self.bureau_b)
        grant(self.supervisor, self.campaign, Role.SUPERVISOR)
        grant(self.viewer, self.campaign, Role.VIEWER)

        self.problem = services.create_problem(
            self.campaign, actor=self.office, title="基层减负落实不到位", source=Source.GRASSROOTS
        )
        self.measure_a = self.measure(self.problem, self.bureau_a, "清理规范各类考核事项")
        self.measure_b = self.measure(self.problem, self.bureau_b, "精简会议文件")
        self.problem_b_only = services.create_problem(
            self.campaign, actor=self.office, title="乙省救助审批时限过长", source=Source.INSPECTION
        )
        self.measure_b2 = self.measure(self.problem_b_only, self.bureau_b, "压缩审批时限")

    def measure(self, problem, unit, content, *, deadline=None, mode=MeasureMode.PHASED):
        return services.create_measure(
            problem,
            actor=self.office,
            content=content,
            responsible_unit=unit,
            mode=mode,
            deadline=deadline or dt.date(2026, 12, 31),
        )

    @property
    def personas(self) -> dict[str, User]:
        return {
            "office": self.office,
            "leader": self.leader,
            "group": self.group,
            "liaison": self.liaison,
            "liaison2": self.liaison2,
            "supervisor": self.supervisor,
            "viewer": self.viewer,
            "outsider": self.outsider,
        }
