"""Build the demo campaign once: the seed's campaign, deterministic, with a real activity log.

Everything a service exists for goes through it, acting as the person who would act: work
groups and the categories and lists by the office, activities and feedback by the work groups'
leaders, every ledger change by the office or a unit liaison, supervision by the supervisor.
So the demo's rows carry their derived keys and its history reads like real use. Units, people,
memberships, campaigns and indicators have no service yet (the admin writes them)
and are created directly. The first regroupings run at the end, so the consolidation board is
full. One random.Random with a fixed seed drives every choice, so each build makes the same
rows; only dates move with today.
"""

import datetime as dt
import random
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from rectify.campaigns import services as campaign_services
from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import Campaign, Indicator, Program, ResearchActivity
from rectify.campaigns.programs import services as program_services
from rectify.consolidation import regrouping
from rectify.consolidation.models import Level
from rectify.demo import data
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.items import services as feedback_services
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import (
    OPEN_STATES,
    Difficulty,
    MeasureMode,
    MeasureState,
    Nature,
    Source,
)
from rectify.ledger.models import Measure, Problem
from rectify.orgs.choices import OrgKind, Role
from rectify.orgs.models import Membership, OrgUnit, Region, User
from rectify.supervision import services as supervision_services
from rectify.supervision.choices import NoticeLevel, SupervisionKind

SEED = 2019
SOCIAL_ORG_COUNT = 161
CADRE_COUNT = 168  # including the `group` demo user
PROBLEM_ITEMS = 186  # "180多条"
SUGGESTION_ITEMS = 213  # "200多条"
EXTRA_SUGGESTION_MERGE_SHARE = 0.45

S = MeasureState
M = MeasureMode

CHANNEL_OF_ACTIVITY = {
    ActivityKind.SYMPOSIUM: Channel.SYMPOSIUM,
    ActivityKind.INTERVIEW: Channel.INTERVIEW,
    ActivityKind.FIELD_VISIT: Channel.FIELD_VISIT,
    ActivityKind.WRITTEN: Channel.WRITTEN,
    ActivityKind.SURVEY: Channel.SURVEY,
}

# The three inspection problems not yet rectified, each with its measures:
# (mode, state, deadline offset in days or None, phase complete).
UNFINISHED_INSPECTION_PLANS = [
    [(M.PHASED, S.CLOSED, -40, False), (M.PHASED, S.IN_PROGRESS, -12, False)],
    [(M.IMMEDIATE, S.CLOSED, -70, False), (M.PHASED, S.RETURNED, -25, False)],
    [(M.PHASED, S.IN_PROGRESS, 3, False), (M.LONG_TERM, S.IN_PROGRESS, None, True)],
]


# Every demo person has an address in a reserved-looking domain, so the demo's overdue measures
# produce real reminders (written to the local mail folder when no EMAIL_HOST is set).
DEMO_MAIL_DOMAIN = "demo.rectify.local"


def demo_address(username: str) -> str:
    return f"{username}@{DEMO_MAIL_DOMAIN}"


def demo_usernames() -> list[str]:
    return [username for username, *_ in data.DEMO_USERS]


def build_demo(*, log=lambda line: None) -> tuple[Campaign, bool]:
    """The demo campaign, and whether it was built now (False: it existed; nothing changed)."""
    existing = Campaign.objects.filter(slug=data.CAMPAIGN_SLUG).first()
    if existing is not None:
        return existing, False
    _refuse_leftovers()
    with transaction.atomic():
        campaign = DemoBuilder(log).build()
    return campaign, True


def _refuse_leftovers() -> None:
    """Without the campaign, rows with the demo's names mean someone else's data: keep off it."""
    cadre_names = [f"cadre{i:03d}" for i in range(1, CADRE_COUNT)]
    users = User.objects.filter(username__in=demo_usernames() + cadre_names)
    clashes = sorted(users.values_list("username", flat=True))[:5]
    if OrgUnit.objects.filter(code__startswith="demo-").exists():
        clashes.append("OrgUnit code demo-…")
    if Campaign.objects.filter(slug__startswith="demo-so-").exists():
        clashes.append("Campaign demo-so-…")
    if clashes:
        raise CommandError(
            "数据库中已有演示数据使用的账号或单位，但没有演示专项工作“demo”，未做任何更改："
            f"{', '.join(clashes)}。请使用空数据库。\n"
            "The database already holds users or units the demo would create, but no demo "
            f"campaign; nothing was changed: {', '.join(clashes)}. Use an empty database."
        )


@dataclass
class ProblemPlan:
    """A problem to be consolidated, before it exists: where it came from and what people said."""

    area: dict
    title: str
    voice: str
    source: str
    prominent: bool
    items: list = field(default_factory=list)


class DemoBuilder:
    """Builds the rows step by step; the steps share units, users and the random generator."""

    def __init__(self, log):
        self.log = log
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.evidence_count = 0

    def build(self) -> Campaign:
        self._units()
        self._campaign()
        self._users()
        self._work_groups()
        self._activities()
        self._structure()
        self._feedback()
        self._problems()
        self._measures()
        self._rectification_records()
        self._programs()
        self._subordinates()
        self._supervision()
        self._first_regrouping()
        return self.campaign

    # --- helpers ---------------------------------------------------------------------------

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def moment(self, day: dt.date, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=self.tz)

    def person_name(self) -> str:
        given = "".join(self.rng.sample(data.GIVEN_CHARS, self.rng.choice((1, 2, 2))))
        return self.rng.choice(data.SURNAMES) + given

    def responsible_person(self, unit: OrgUnit) -> str:
        kind = unit.kind if unit.kind in data.PERSON_TITLES else "other"
        return f"{self.person_name()}（{self.rng.choice(data.PERSON_TITLES[kind])}）"

    def responsible_leader(self, unit: OrgUnit) -> str:
        """One leader per unit, drawn apart from self.rng so the demo's other draws (and so
        its figures) stay as they were."""
        own = random.Random(f"leader:{unit.name}")
        name = own.choice(data.SURNAMES) + "".join(own.sample(data.GIVEN_CHARS, 2))
        return f"{name}（{data.LEADER_TITLES.get(unit.kind, data.LEADER_TITLES['other'])}）"

    def actor_for(self, unit: OrgUnit) -> User:
        """The unit's own liaison where the demo has one, so the log shows who really acted."""
        return self.unit_actors.get(unit.pk, self.office)

    # --- organisation, campaign, people ----------------------------------------------------

    def _units(self):
        name, short = data.MINISTRY
        ministry = OrgUnit.objects.create(
            name=name, short_name=short, code="demo-mca", kind=OrgKind.MINISTRY
        )
        self.units = {"ministry": ministry}
        for i, (name, short) in enumerate(data.DEPARTMENTS, 1):
            self.units[name] = OrgUnit.objects.create(
                name=name,
                short_name=short,
                code=f"demo-dept-{i:02d}",
                kind=OrgKind.DEPARTMENT,
                parent=ministry,
                order=i,
            )
        for i, name in enumerate([data.CAMPAIGN_OFFICE_UNIT, data.DISCIPLINE_UNIT], 1):
            self.units[name] = OrgUnit.objects.create(
                name=name,
                code=f"demo-unit-{i:02d}",
                kind=OrgKind.OTHER,
                parent=ministry,
                order=50 + i,
            )
        self.regions = list(Region.objects.filter(code__in=data.CITIES).order_by("code"))
        if len(self.regions) != len(data.CITIES):
            raise CommandError(
                "缺少省级行政区划数据，请先迁移数据库 / Regions missing: migrate first."
            )
        self.bureaus = {}
        for i, region in enumerate(self.regions, 1):
            suffix = "民政局" if region.code in data.BUREAU_JU_CODES else "民政厅"
            self.bureaus[region.code] = self.units[region.code] = OrgUnit.objects.create(
                name=region.name + suffix,
                short_name=region.short_name + suffix,
                code=f"demo-bureau-{region.code}",
                kind=OrgKind.BUREAU,
                parent=ministry,
                region=region,
                order=100 + i,
            )
        self.social_orgs = [
            OrgUnit.objects.create(
                name=name,
                code=f"demo-so-{i:03d}",
                kind=OrgKind.SOCIAL_ORG,
                parent=ministry,
                order=200 + i,
            )
            for i, name in enumerate(self._social_org_names(), 1)
        ]
        self.log(
            f"  单位 units: 1 部 + {len(data.DEPARTMENTS)} 司局 + {len(self.bureaus)} 厅（局）"
            f" + {len(self.social_orgs)} 社会组织"
        )

    def _social_org_names(self) -> list[str]:
        known = list(data.KNOWN_SOCIAL_ORGS)
        composed = sorted(
            {f"中国{f}{k}" for f in data.SOCIAL_ORG_FIELDS for k in data.SOCIAL_ORG_KINDS}
            - set(known)
        )
        return known + self.rng.sample(composed, SOCIAL_ORG_COUNT - len(known))

    def _campaign(self):
        self.campaign = Campaign.objects.create(
            name=data.CAMPAIGN_NAME,
            slug=data.CAMPAIGN_SLUG,
            org_unit=self.units["ministry"],
            description=data.CAMPAIGN_DESCRIPTION,
            starts_on=self.day(-150),
            ends_on=self.day(180),
            public_intake_enabled=True,
        )
        self.log(f"  专项工作 campaign: {self.campaign.slug} {self.campaign.name}")

    def _users(self):
        """Seven demo logins with the well-known password; cadres cannot log in."""
        password = settings.RECTIFY_DEMO_PASSWORD
        self.users = {}
        for username, role, name, unit_key in data.DEMO_USERS:
            unit = self.units[unit_key]
            user = User.objects.create_user(
                username=username,
                password=password,
                display_name=name,
                last_name=name[0],
                first_name=name[1:],
                org_unit=unit,
                email=demo_address(username),
            )
            Membership.objects.create(
                user=user,
                campaign=self.campaign,
                role=role,
                org_unit=unit if role == Role.LIAISON else None,
            )
            self.users[username] = user
        self.office = self.users["office"]
        self.supervisor = self.users["supervisor"]
        # Where a unit has no liaison of its own, the office asks for closure on its behalf; a
        # closure request is never decided by whoever made it, so a second office member (who
        # cannot log in) verifies those.
        self.verifier = User.objects.create_user(
            username="demo-verifier",
            display_name="整改办验收组",
            org_unit=self.office.org_unit,
            email=demo_address("demo-verifier"),
        )
        self.verifier.set_unusable_password()
        self.verifier.save(update_fields=["password"])
        Membership.objects.create(user=self.verifier, campaign=self.campaign, role=Role.OFFICE)
        self.unit_actors = {
            self.users["liaison"].org_unit_id: self.users["liaison"],
            self.users["liaison2"].org_unit_id: self.users["liaison2"],
        }

        taken = {name for _, _, name, _ in data.DEMO_USERS}
        names = []
        while len(names) < CADRE_COUNT - 1:
            name = self.person_name()
            if name not in taken:
                taken.add(name)
                names.append(name)
        departments = [self.units[name] for name, _ in data.DEPARTMENTS]
        self.cadres = User.objects.bulk_create(
            [
                User(
                    username=f"cadre{i:03d}",
                    email=demo_address(f"cadre{i:03d}"),
                    display_name=name,
                    last_name=name[0],
                    first_name=name[1:],
                    org_unit=departments[(i - 1) % len(departments)],
                    password=make_password(None),
                )
                for i, name in enumerate(names, 1)
            ]
        )
        Membership.objects.bulk_create(
            Membership(user=u, campaign=self.campaign, role=Role.GROUP) for u in self.cadres
        )
        self.log(f"  账号 users: {len(self.users)} 个演示账号 + {len(self.cadres)} 名抽调干部")

    def _work_groups(self):
        """32 groups, one per province and the XPCC; 168 cadres, the `group` user among them."""
        cadres = iter(self.cadres)
        self.groups = {}
        members = 0
        for i, region in enumerate(self.regions, 1):
            size = 6 if i % 4 == 1 else 5
            people = [next(cadres) for _ in range(size - (region.code == data.GROUP_USER_REGION))]
            if region.code == data.GROUP_USER_REGION:
                people.append(self.users["group"])
            self.groups[region.code] = campaign_services.create_work_group(
                self.campaign,
                actor=self.office,
                name=f"第{data.chinese_number(i)}工作组",
                leader=people[0],
                members=people,
                regions=[region],
                org_units=[self.bureaus[region.code]],
            )
            members += len(people)
        self.log(f"  工作组 work groups: {len(self.groups)}，成员 members: {members}")

    # --- listening -------------------------------------------------------------------------

    def _activities(self):
        """Each group's leader records the group's symposiums, interviews and visits; the office
        its written consultations and the online survey."""
        rng = self.rng
        activities = []
        for i, region in enumerate(self.regions, 1):
            group, cities = self.groups[region.code], data.CITIES[region.code]
            bureau = self.bureaus[region.code]

            def activity(kind, title, city, people, group=group, region=region, bureau=bureau):
                return campaign_services.create_activity(
                    self.campaign,
                    actor=group.leader,
                    work_group=group,
                    kind=kind,
                    title=title,
                    held_on=self.day(-140 + rng.randint(0, 40)),
                    place=f"{region.name}{city}{rng.choice(data.VENUES)}",
                    region=region,
                    org_unit=bureau,
                    participant_count=people,
                )

            for k in range(4 if i % 8 == 1 else 5):
                city = cities[k % len(cities)]
                topic = rng.choice(data.SYMPOSIUM_TOPICS)
                activities.append(
                    activity(ActivityKind.SYMPOSIUM, f"{city}{topic}", city, rng.randint(7, 13))
                )
            for k in range(1 + i % 2):
                city = cities[(k + 1) % len(cities)]
                who = rng.choice(data.INTERVIEWEES)
                activities.append(
                    activity(ActivityKind.INTERVIEW, f"{city}{who}访谈", city, rng.randint(2, 6))
                )
            city = cities[2]
            activities.append(
                activity(ActivityKind.FIELD_VISIT, f"{city}实地走访", city, rng.randint(3, 8))
            )
        for k, title in enumerate(data.WRITTEN_CONSULTATIONS):
            activities.append(
                campaign_services.create_activity(
                    self.campaign,
                    actor=self.office,
                    kind=ActivityKind.WRITTEN,
                    title=title,
                    held_on=self.day(-145 + 2 * k),
                    place="书面征求意见",
                    notes=f"收到书面意见{rng.randint(12, 40)}份。",
                )
            )
        activities.append(
            campaign_services.create_activity(
                self.campaign,
                actor=self.office,
                kind=ActivityKind.SURVEY,
                title=data.ONLINE_SURVEY,
                held_on=self.day(-145),
                place="民政部门户网站",
                notes="网上征集意见建议。",
            )
        )
        self.activities = activities
        by_kind = defaultdict(list)
        for a in self.activities:
            by_kind[a.kind].append(a)
        self.activities_by_kind = by_kind
        self.log(
            f"  调研 research: 座谈会 {len(by_kind[ActivityKind.SYMPOSIUM])} 场，"
            f"访谈 {len(by_kind[ActivityKind.INTERVIEW])} 次，"
            f"实地走访 {len(by_kind[ActivityKind.FIELD_VISIT])} 次，"
            f"共 {sum(a.participant_count for a in self.activities)} 人次"
        )

    def _structure(self):
        """The standards tree and the "1+3" lists, set up by the office."""
        self.categories = {}
        for name, standard, children in data.CATEGORIES:
            root = services.create_category(
                self.campaign, actor=self.office, name=name, standard=standard
            )
            for child in children:
                self.categories[child] = services.create_category(
                    self.campaign, actor=self.office, name=child, parent=root
                )
        names = [data.PROMINENT_LIST, *data.SOURCE_LISTS.values()]
        self.lists = {
            name: services.create_problem_list(
                self.campaign,
                actor=self.office,
                name=name,
                description=data.LIST_DESCRIPTIONS[name],
            )
            for name in names
        }

    def _feedback(self):
        """Intake: every problem heard at least once, many heard several times in other words."""
        rng = self.rng
        self.plans = []
        for area in data.AREAS:
            for index, (title, voice) in enumerate(area["problems"]):
                source = rng.choices(
                    [Source.GRASSROOTS, Source.WRITTEN, Source.STUDY], weights=[55, 25, 20]
                )[0]
                self.plans.append(ProblemPlan(area, title, voice, source, index == 0))
        grassroots = [p for p in self.plans if p.source == Source.GRASSROOTS]
        heard = list(self.plans)
        heard += [rng.choice(grassroots) for _ in range(PROBLEM_ITEMS - len(self.plans))]

        for plan in heard:
            activity, region = self._where_heard(plan.source)
            frames = data.PROBLEM_FRAMES
            frame = frames[0] if not plan.items else rng.choice(frames[1:])
            text = frame.format(
                voice=plan.voice,
                voice_bare=plan.voice.rstrip("。"),
                title=plan.title,
                place=activity.place if activity.region_id else region.name,
                speaker=rng.choice(data.SPEAKERS),
            )
            item = self._item(FeedbackKind.PROBLEM, text, activity, region)
            plan.items.append(item)

        self.suggestions = []
        weights = [len(area["problems"]) for area in data.AREAS]
        for _ in range(SUGGESTION_ITEMS):
            area = rng.choices(data.AREAS, weights=weights)[0]
            source = rng.choices(
                [Source.GRASSROOTS, Source.WRITTEN, Source.STUDY], weights=[70, 20, 10]
            )[0]
            activity, region = self._where_heard(source)
            s = rng.choice(area["suggestions"])
            text = rng.choice(data.SUGGESTION_FRAMES).format(
                s=s,
                rest=s.removeprefix("建议"),
                place=activity.place if activity.region_id else region.name,
                speaker=rng.choice(data.SPEAKERS),
            )
            item = self._item(FeedbackKind.SUGGESTION, text, activity, region)
            self.suggestions.append((area, item))
        self.log(f"  反映 feedback: 问题 {len(heard)} 条，意见建议 {len(self.suggestions)} 条")

    def _where_heard(self, source: str) -> tuple[ResearchActivity, Region]:
        rng, kinds = self.rng, self.activities_by_kind
        if source == Source.GRASSROOTS:
            activity = rng.choice(
                kinds[ActivityKind.SYMPOSIUM]
                + kinds[ActivityKind.INTERVIEW]
                + kinds[ActivityKind.FIELD_VISIT]
            )
            return activity, activity.region
        pool = (
            kinds[ActivityKind.WRITTEN] if source == Source.WRITTEN else kinds[ActivityKind.SURVEY]
        )
        return rng.choice(pool), rng.choice(self.regions)

    def _item(self, kind, text, activity, region) -> FeedbackItem:
        """Recorded by the leader of the group that heard it; the office then assigns the unit
        it concerns (triage), as it does with real intake."""
        group = self.groups[region.code]
        held = activity.held_on + dt.timedelta(
            days=0 if activity.region_id else self.rng.randint(0, 12)
        )
        item = feedback_services.create_feedback(
            self.campaign,
            actor=group.leader,
            kind=kind,
            text=text,
            channel=CHANNEL_OF_ACTIVITY[activity.kind],
            region=region,
            activity=activity,
            work_group=group,
            received_at=self.moment(held, self.rng.randint(9, 17)),
            flag=False,
        )
        return feedback_services.update_triage(
            item, actor=self.office, org_unit=self.bureaus[region.code]
        )

    # --- consolidation ---------------------------------------------------------------------

    def _problems(self):
        """140 problems: the 20 inspection problems first, then the areas' problems, merged."""
        rng, office = self.rng, self.office
        self.problems_by_area = defaultdict(list)
        self.inspection = []
        departments = {area["key"]: self.units[area["department"]] for area in data.AREAS}
        study_list = self.lists[data.SOURCE_LISTS["study"]]
        for (
            title,
            description,
            key,
            category,
            nature,
            prominent,
            rectified,
        ) in data.INSPECTION_PROBLEMS:
            lists = [self.lists[data.PROMINENT_LIST], study_list] if prominent else [study_list]
            problem = services.create_problem(
                self.campaign,
                actor=office,
                title=title,
                source=Source.INSPECTION,
                description=description,
                category=self.categories[category],
                nature=nature,
                difficulty=rng.choice([Difficulty.MEDIUM, Difficulty.HARD]),
                is_prominent=prominent,
                lead_unit=departments[key],
                lists=lists,
            )
            self.inspection.append((problem, key, rectified))
            self.problems_by_area[key].append(problem)

        self.area_problems = []
        for plan in self.plans:
            area = plan.area
            lists = [self.lists[data.SOURCE_LISTS[plan.source]]]
            if plan.prominent:
                lists.insert(0, self.lists[data.PROMINENT_LIST])
            first, *others = plan.items
            nature = area["nature"] if rng.random() < 0.75 else rng.choice(Nature.values)
            problem = services.create_problem(
                self.campaign,
                actor=office,
                title=plan.title,
                source=plan.source,
                description=plan.voice,
                public_title=plan.title,
                category=self.categories[area["category"]],
                nature=nature,
                difficulty=rng.choices(Difficulty.values, weights=[35, 40, 25])[0],
                is_prominent=plan.prominent,
                lead_unit=departments[area["key"]],
                region=first.region if plan.source == Source.GRASSROOTS else None,
                lists=lists,
                feedback_items=[first],
            )
            for item in others:
                services.merge_feedback(
                    problem,
                    [item],
                    actor=office,
                    reason="与该问题反映内容相近，合并办理。",
                    similarity=round(rng.uniform(0.58, 0.94), 2),
                )
            self.area_problems.append((problem, plan))
            self.problems_by_area[area["key"]].append(problem)

        related = defaultdict(list)
        for area, item in self.suggestions:
            if rng.random() < EXTRA_SUGGESTION_MERGE_SHARE:
                problem = rng.choice(self.problems_by_area[area["key"]])
                related[problem.number].append((problem, item))
        for number in sorted(related):
            problem = related[number][0][0]
            services.merge_feedback(
                problem,
                [item for _, item in related[number]],
                actor=office,
                reason="相关意见建议纳入该问题整改一并研究落实。",
            )
        count = Problem.objects.filter(campaign=self.campaign).count()
        self.log(f"  梳理 consolidated: {count} 个问题，“1+3”清单 {len(self.lists)} 张")

    # --- rectification ---------------------------------------------------------------------

    def _measures(self):
        rng = self.rng
        guangdong = self.bureaus[data.GROUP_USER_REGION]
        bureaus = [self.bureaus[r.code] for r in self.regions]
        areas = {area["key"]: area for area in data.AREAS}

        unfinished = iter(UNFINISHED_INSPECTION_PLANS)
        for problem, key, rectified in self.inspection:
            department = problem.lead_unit
            contents = [rng.choice(areas[key]["measures"]), rng.choice(data.INSPECTION_MEASURES)]
            if rectified:
                steps = [
                    (rng.choice([M.IMMEDIATE, M.PHASED]), S.CLOSED, -rng.randint(20, 100), False)
                    for _ in contents
                ]
            else:
                steps = next(unfinished)
            for content, (mode, state, offset, phase) in zip(contents, steps, strict=True):
                measure = self._new_measure(
                    problem, content, department, mode, None if offset is None else self.day(offset)
                )
                self._drive(
                    measure,
                    problem,
                    state,
                    returned_first=rng.random() < 0.25,
                    phase_complete=phase,
                )

        for position, (problem, plan) in enumerate(self.area_problems):
            area = plan.area
            count = rng.choices([1, 2, 3], weights=[30, 45, 25])[0]
            if position % 9 == 4:
                count = max(count, 2)  # a pilot in 广东: the `liaison` user's own measures
            contents = rng.sample(area["measures"], min(count, len(area["measures"])))
            units = [problem.lead_unit]
            for _ in contents[1:]:
                region_bureau = self.bureaus[problem.region.code] if problem.region else None
                units.append(
                    region_bureau if region_bureau and len(units) == 1 else rng.choice(bureaus)
                )
            if position % 9 == 4 and guangdong not in units:
                units[-1] = guangdong
            for i, (content, unit) in enumerate(zip(contents, units, strict=True)):
                text = content if i == 0 else f"结合本地实际，{content}"
                mode, state, deadline = self._plan_state()
                measure = self._new_measure(problem, text, unit, mode, deadline)
                self._drive(
                    measure,
                    problem,
                    state,
                    returned_first=state == S.CLOSED and rng.random() < 0.2,
                    phase_complete=mode == M.LONG_TERM and rng.random() < 0.5,
                )
        states = Measure.objects.filter(campaign=self.campaign).values_list("state", flat=True)
        tally = dict.fromkeys(S.values, 0)
        for s in states:
            tally[s] += 1
        self.log(
            "  措施 measures: "
            + "，".join(f"{S(s).label} {n}" for s, n in tally.items())
            + f"；佐证材料 evidence {self.evidence_count}"
        )

    def _rectification_records(self):
        """What the office and units record around the measures, chosen without the random
        generator (so the ledger above stays as it was): cooperating units (配合单位) where a
        problem has several units, extension requests (延期申请) one waiting and one granted,
        one measure closed as not feasible for now (暂不具备整改条件), and re-checks (回头看)."""
        office = self.office
        measures = Measure.objects.filter(campaign=self.campaign).select_related(
            "problem", "responsible_unit"
        )
        by_problem: dict[int, list[Measure]] = {}
        for m in measures.filter(problem__source=Source.GRASSROOTS).order_by("pk"):
            by_problem.setdefault(m.problem_id, []).append(m)
        helped = 0
        for group in by_problem.values():
            others = {m.responsible_unit for m in group[1:]} - {group[0].responsible_unit}
            if others and helped < 12:
                lead = group[0]
                services.update_measure(
                    lead, actor=office, expected_version=lead.version, cooperating_units=others
                )
                helped += 1
        under_way = list(
            measures.filter(state=S.IN_PROGRESS, deadline__gt=self.today, mode=M.PHASED)
            .exclude(problem__source=Source.INSPECTION)
            .order_by("deadline", "pk")
        )
        waiting, granted, not_feasible = under_way[0], under_way[1], under_way[-1]
        services.request_extension(
            waiting,
            actor=self.actor_for(waiting.responsible_unit),
            requested_deadline=waiting.deadline + dt.timedelta(days=30),
            reason="涉及多部门协调，需延长办理时限。",
        )
        extension = services.request_extension(
            granted,
            actor=self.actor_for(granted.responsible_unit),
            requested_deadline=granted.deadline + dt.timedelta(days=20),
            reason="需待年度预算批复后实施。",
        )
        decider = self.verifier if extension.requested_by == office else office
        services.decide_extension(extension, actor=decider, grant=True, reason="同意延期。")
        services.close_not_feasible(
            not_feasible,
            actor=office,
            reason="涉及上位法修订，暂不具备整改条件，纳入长期跟踪。",
        )
        closed = list(
            measures.filter(state=S.CLOSED)
            .exclude(problem__source=Source.INSPECTION)
            .order_by("closed_on", "pk")[:3]
        )
        for m, offset in zip(closed, (-2, 3, 45), strict=False):
            services.schedule_recheck(m, actor=office, due_on=max(self.day(offset), m.closed_on))

    def _plan_state(self) -> tuple[str, str, dt.date | None]:
        """Mode, target state and deadline of one measure: a realistic spread over all states."""
        rng = self.rng
        mode = rng.choices([M.IMMEDIATE, M.PHASED, M.LONG_TERM], weights=[25, 55, 20])[0]
        if mode == M.IMMEDIATE:
            state = rng.choices([S.CLOSED, S.IN_PROGRESS, S.CLOSURE_REQUESTED], [75, 15, 10])[0]
            return mode, state, self.day(-rng.randint(60, 110))
        if mode == M.LONG_TERM:
            state = rng.choices([S.IN_PROGRESS, S.RETURNED, S.DRAFT], [80, 12, 8])[0]
            deadline = None if rng.random() < 0.5 else self.day(rng.randint(90, 175))
            return mode, state, deadline
        state = rng.choices(
            [S.DRAFT, S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.RETURNED, S.CLOSED, S.REOPENED],
            [7, 30, 9, 7, 40, 5],
        )[0]
        if state == S.CLOSED:
            return mode, state, self.day(rng.randint(-60, 60))
        if state == S.DRAFT:
            return mode, state, self.day(rng.randint(20, 150))
        timing = rng.choices(["overdue", "due_soon", "later"], [20, 14, 66])[0]
        if timing == "overdue":
            return mode, state, self.day(-rng.randint(3, 45))
        if timing == "due_soon":
            return mode, state, self.day(rng.randint(1, 4))
        return mode, state, self.day(rng.randint(12, 170))

    def _new_measure(self, problem, content, unit, mode, deadline) -> Measure:
        return services.create_measure(
            problem,
            actor=self.office,
            content=content,
            responsible_unit=unit,
            responsible_person=self.responsible_person(unit),
            responsible_leader=self.responsible_leader(unit),
            mode=mode,
            deadline=deadline,
        )

    def _drive(self, m, problem, state, *, returned_first=False, phase_complete=False, light=False):
        """Take a new measure to `state` through the real transitions, with reports and files.

        The responsible unit starts, reports and asks for closure; the office verifies, returns
        and reopens. `light` skips milestones and intermediate reports (subordinate ledgers).
        """
        rng = self.rng
        unit = self.actor_for(m.responsible_unit)
        office = self.verifier if unit == self.office else self.office
        if state == S.DRAFT:
            if m.mode == M.PHASED and not light:
                self._milestones(m, unit, self.today, finished=False)
            return m
        started = self.day(-rng.randint(95, 135))
        m = services.start(m, actor=unit)
        if m.mode == M.PHASED and not light:
            self._milestones(m, unit, started, finished=state != S.IN_PROGRESS)
        if state == S.IN_PROGRESS:
            steps = data.PROGRESS_STEPS[: rng.randint(1, 3)]
            self._reports(m, unit, started, steps[:1] if light else steps)
            if phase_complete:
                m = services.mark_phase_complete(m, actor=unit, reason=data.PHASE_COMPLETE_REASON)
                services.add_progress_report(
                    m, actor=unit, text=data.LONG_TERM_PROGRESS, percent_done=100
                )
            return m
        self._reports(m, unit, started, data.PROGRESS_STEPS[-1:] if light else data.PROGRESS_STEPS)
        self._evidence(m, unit, problem)
        m = services.request_closure(m, actor=unit, reason="整改任务已完成，申请销号。")
        if state == S.CLOSURE_REQUESTED:
            return m
        if state == S.RETURNED or returned_first:
            m = services.return_measure(m, actor=office, reason=rng.choice(data.RETURN_REASONS))
            if state == S.RETURNED:
                return m
            services.add_progress_report(
                m, actor=unit, text="已按退回意见补充整改并完善佐证材料。", percent_done=100
            )
            self._evidence(m, unit, problem)
            m = services.request_closure(
                m, actor=unit, reason="已按退回意见完成整改，再次申请销号。"
            )
        m = services.verify(m, actor=office, reason=rng.choice(data.VERIFY_REASONS))
        if state == S.REOPENED:
            m = services.reopen(m, actor=office, reason=rng.choice(data.REOPEN_REASONS))
            services.add_progress_report(
                m, actor=unit, text="已重新制定整改措施，正在推进。", percent_done=60
            )
        return m

    def _milestones(self, m, actor, started: dt.date, *, finished: bool):
        end = m.deadline or self.day(180)
        span = max((end - started).days, len(data.MILESTONES))
        for k, title in enumerate(data.MILESTONES, 1):
            due = started + dt.timedelta(days=span * k // len(data.MILESTONES))
            milestone = services.add_milestone(m, actor=actor, title=title, due_on=due)
            last = k == len(data.MILESTONES)
            if finished:  # a measure that asks for closure has done every step (early if need be)
                services.complete_milestone(milestone, actor=actor, done_on=min(due, self.today))
            elif due < self.today and not last:
                services.complete_milestone(milestone, actor=actor, done_on=due)

    def _reports(self, m, actor, started: dt.date, steps):
        gap = max((self.today - started).days // (len(steps) + 1), 1)
        for k, (percent, text) in enumerate(steps, 1):
            services.add_progress_report(
                m,
                actor=actor,
                text=text,
                percent_done=percent,
                reported_on=min(started + dt.timedelta(days=gap * k), self.today),
            )

    def _evidence(self, m, actor, problem):
        """A small file per closure request: mostly a written account, sometimes a photo."""
        self.evidence_count += 1
        if self.evidence_count % 4 == 0:
            name, content_type = f"现场照片（问题{problem.number}）.png", "image/png"
            content = _png(tuple(self.rng.randint(40, 220) for _ in range(3)))
        else:
            name, content_type = f"整改落实情况说明（问题{problem.number}）.txt", "text/plain"
            content = (
                f"整改落实情况说明\n\n问题：{problem.title}\n措施：{m.content}\n"
                f"责任单位：{m.responsible_unit.name}\n责任人：{m.responsible_person}\n"
                f"材料编号：{m.pk}-{self.evidence_count}\n\n（演示数据）\n"
            ).encode()
        services.add_evidence(
            m,
            actor=actor,
            upload=ContentFile(content),
            name=name,
            description="整改佐证材料",
            content_type=content_type,
        )

    # --- programs, indicators --------------------------------------------------------------

    def _programs(self):
        """The "1+5+5+2" programs through their services, each with its owner, the three phases
        of its roadmap and its problems with their measures (the roadmap page draws them); the
        overall program counts the prominent problems' measures double."""
        prominent = list(Problem.objects.filter(campaign=self.campaign, is_prominent=True))
        for label, name, lead, keys, keywords in data.PROGRAMS:
            program = program_services.create_program(
                self.campaign,
                actor=self.office,
                name=name,
                group_label=label,
                description=f"“1+5+5+2”专项整治体系中的“{label}”。",
                roadmap=data.PROGRAM_ROADMAP,
                starts_on=self.day(-100),
                ends_on=self.day(170),
                lead_unit=self.units[lead],
                leader=f"{lead}主要负责同志",
            )
            for phase, start, end in data.PROGRAM_PHASES:
                program_services.add_phase(
                    program,
                    actor=self.office,
                    name=phase,
                    starts_on=self.day(start),
                    ends_on=self.day(end),
                )
            if keys == ["prominent"]:
                problems = prominent
            else:
                problems = [
                    p
                    for key in keys
                    for p in self.problems_by_area[key]
                    if not keywords or any(word in p.title for word in keywords)
                ]
            measures = list(Measure.objects.filter(problem__in=problems).order_by("pk"))
            program_services.add_problems(program, problems, actor=self.office, measures=measures)
            if keys == ["prominent"]:
                for m in measures:
                    program_services.set_weight(program, m, actor=self.office, weight=2)
        programs = {p.name: p for p in Program.objects.filter(campaign=self.campaign)}
        for name, value, unit, program, note in data.INDICATORS:
            Indicator.objects.create(
                campaign=self.campaign,
                program=programs[program],
                name=name,
                value=value,
                unit=unit,
                as_of=self.today,
                note=note,
            )
        self.log(
            f"  专项整治 programs: {len(programs)}（1+5+5+2），成效指标 {len(data.INDICATORS)}"
        )

    # --- the 161 subordinate organisations -------------------------------------------------

    def _subordinates(self):
        """Each organisation's own small ledger; some are diligent, some lag behind."""
        rng, office = self.rng, self.office
        children = Campaign.objects.bulk_create(
            Campaign(
                name=f"{org.name}主题教育整改",
                slug=f"demo-so-{i:03d}",
                org_unit=org,
                parent=self.campaign,
                description="与民政部同步开展主题教育、同步整改落实。",
                starts_on=self.campaign.starts_on,
                ends_on=self.campaign.ends_on,
            )
            for i, org in enumerate(self.social_orgs, 1)
        )
        Membership.objects.bulk_create(
            Membership(user=self.users[username], campaign=child, role=role)
            for child in children
            for username, role in (
                ("office", Role.OFFICE),
                ("leader", Role.LEADER),
                ("supervisor", Role.SUPERVISOR),
                ("viewer", Role.VIEWER),
            )
        )
        Membership.objects.bulk_create(
            Membership(user=self.verifier, campaign=child, role=Role.OFFICE) for child in children
        )
        self.diligence = {}
        for child, org in zip(children, self.social_orgs, strict=True):
            diligence = rng.random()
            self.diligence[org.pk] = diligence
            for title, content in rng.sample(data.SOCIAL_ORG_PROBLEMS, rng.choice([2, 2, 3])):
                problem = services.create_problem(
                    child,
                    actor=office,
                    title=title,
                    source=rng.choice([Source.SELF, Source.SELF, Source.STUDY, Source.INSPECTION]),
                    nature=rng.choice([Nature.SYSTEM, Nature.STYLE]),
                    difficulty=rng.choice(Difficulty.values),
                    lead_unit=org,
                )
                if rng.random() < diligence:
                    mode, state, deadline = M.IMMEDIATE, S.CLOSED, self.day(-rng.randint(10, 80))
                elif diligence < 0.35:
                    mode, state, deadline = M.PHASED, S.IN_PROGRESS, self.day(-rng.randint(5, 50))
                else:
                    state = rng.choice([S.IN_PROGRESS, S.IN_PROGRESS, S.CLOSURE_REQUESTED])
                    mode, deadline = M.PHASED, self.day(rng.randint(2, 90))
                measure = self._new_measure(problem, content, org, mode, deadline)
                self._drive(measure, problem, state, light=True)
        self.log(f"  社会组织 subordinate ledgers: {len(children)} 个同步整改台账")

    # --- supervision -----------------------------------------------------------------------

    def _supervision(self):
        """Reminders, talks, visits, recorded by the supervisor."""
        rng = self.rng
        late = list(
            Measure.objects.filter(
                campaign=self.campaign, state__in=OPEN_STATES, deadline__lt=self.today
            )
            .select_related("responsible_unit", "problem")
            .order_by("deadline", "id")
        )
        returned = list(
            Measure.objects.filter(campaign=self.campaign, state=S.RETURNED)
            .select_related("responsible_unit", "problem")
            .order_by("id")
        )
        actions = []
        for m in late[:12]:
            actions.append((SupervisionKind.REMINDER, m.responsible_unit, m, rng.randint(1, 6)))
        for m in returned[:2]:
            actions.append((SupervisionKind.INTERVIEW, m.responsible_unit, m, rng.randint(2, 8)))
        for code in sorted(rng.sample(sorted(self.bureaus), 4)):
            actions.append((SupervisionKind.ONSITE, self.bureaus[code], None, rng.randint(10, 40)))
        laggards = sorted(self.social_orgs, key=lambda org: (self.diligence[org.pk], org.pk))
        for kind, orgs in (
            (SupervisionKind.GUIDANCE, laggards[:6]),
            (SupervisionKind.INSPECTION, laggards[6:11]),
            (SupervisionKind.ONSITE, laggards[11:15]),
        ):
            actions.extend((kind, org, None, rng.randint(5, 60)) for org in orgs)

        for kind, unit, measure, days_ago in actions:
            content, outcome = data.SUPERVISION_TEXTS[kind]
            if measure is not None:
                content = f"关于“{measure.content[:30]}”：{content}"
            supervision_services.record_action(
                self.campaign,
                actor=self.supervisor,
                kind=kind,
                target_unit=unit,
                measure=measure,
                content=content,
                outcome=outcome,
                happened_at=self.moment(self.day(-days_ago), rng.randint(9, 17)),
            )
        notices = self._notices([m for m in late if m.problem.source == Source.INSPECTION])
        self.log(f"  督查督办 supervision actions: {len(actions) + notices}")

    def _notices(self, inspection_late) -> int:
        """The supervision notices (督办单) of the demo, issued by hand by the supervisor: a
        yellow one ten days ago to the unit of the first late inspection measure, naming its
        late measures, and a red one yesterday, the yellow left unanswered."""
        if not inspection_late:
            return 0
        unit = inspection_late[0].responsible_unit
        named = [m for m in inspection_late if m.responsible_unit_id == unit.pk]
        for level, days_ago, answer_in in ((NoticeLevel.YELLOW, 10, 5), (NoticeLevel.RED, 1, 3)):
            supervision_services.issue_notice(
                self.campaign,
                actor=self.supervisor,
                unit=unit,
                level=level,
                measures=named,
                content=data.NOTICE_TEXTS[level].format(n=len(named)),
                required_by=self.day(-days_ago + answer_in),
                happened_at=self.moment(self.day(-days_ago), 10),
            )
        return 2

    # --- consolidation board ---------------------------------------------------------------

    def _first_regrouping(self):
        """The office's first regrouping at both levels, so the board of a new demo is full."""
        for level in (Level.DUPLICATE, Level.TOPIC):
            run = regrouping.start_regroup(
                self.campaign, actor=self.office, level=level, background=False
            )
            self.log(f"  归并分组 regrouping ({level}): {run.group_count} 组 groups")


def _png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A tiny solid-colour PNG, made by hand so the demo needs no imaging library."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + tag
            + body
            + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )
