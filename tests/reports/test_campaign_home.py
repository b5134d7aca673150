"""The campaign home: headline figures derived from the records, one click from each question."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import Campaign, Indicator, ResearchActivity, WorkGroup
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.ledger.models import ProblemList
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import Region
from tests.factories import add_evidence
from tests.helpers import figure

pytestmark = pytest.mark.usefixtures("pinned_today")

URL = reverse("campaign-home", args=["world"])


def rectify_measure(world, measure):
    services.start(measure, actor=world.office)
    add_evidence(measure, world.office, content=f"proof {measure.pk}".encode())
    services.request_closure(measure, actor=SYSTEM, reason="整改完成")
    services.verify(measure, actor=world.office, reason="同意销号")


@pytest.fixture
def busy(world):
    """The World plus listening records, lists, a prominent and an overdue problem."""
    c = world.campaign
    group = WorkGroup.objects.create(campaign=c, name="第一工作组")
    group.members.add(world.group, world.leader)
    group.regions.add(*Region.objects.filter(code__in=["110000", "120000", "130000"]))
    WorkGroup.objects.create(campaign=c, name="第二工作组").members.add(world.group)
    for i, (kind, people) in enumerate(
        [
            (ActivityKind.SYMPOSIUM, 12000),
            (ActivityKind.SYMPOSIUM, 345),
            (ActivityKind.INTERVIEW, 0),
        ]
    ):
        ResearchActivity.objects.create(
            campaign=c,
            kind=kind,
            title=f"活动{i}",
            held_on=dt.date(2026, 9, 1),
            participant_count=people,
        )
    for i in range(3):
        FeedbackItem.objects.create(
            campaign=c, kind=FeedbackKind.PROBLEM, text=f"问题{i}", channel=Channel.SYMPOSIUM
        )
    FeedbackItem.objects.create(
        campaign=c, kind=FeedbackKind.SUGGESTION, text="建议", channel=Channel.SURVEY
    )
    lead = ProblemList.objects.create(campaign=c, name="领导班子突出问题清单", order=1)
    ProblemList.objects.create(campaign=c, name="基层反映问题清单", order=2)
    prominent = services.create_problem(
        c,
        actor=world.office,
        title="突出问题甲",
        source=Source.GRASSROOTS,
        is_prominent=True,
        lists=[lead],
    )
    world.measure(prominent, world.bureau_a, "逾期措施", deadline=dt.date(2026, 11, 6))
    world.measure(prominent, world.bureau_a, "临期措施", deadline=dt.date(2026, 11, 18))
    rectify_measure(world, world.measure_b2)  # the inspection problem is rectified
    services.create_problem(c, actor=world.office, title="巡视反馈问题二", source=Source.INSPECTION)
    Campaign.objects.create(name="甲省专项", slug="sub-a", org_unit=world.bureau_a, parent=c)
    Campaign.objects.create(name="乙省专项", slug="sub-b", org_unit=world.bureau_b, parent=c)
    Indicator.objects.create(
        campaign=c,
        name="惠及群众",
        value=Decimal("44000000"),
        unit="人",
        as_of=dt.date(2026, 10, 1),
    )
    return world


@pytest.mark.django_db
def test_it_shows_every_headline_figure(client, busy):
    client.force_login(busy.office)
    response = client.get(URL)
    assert response.status_code == 200
    expected = {
        "fig-work-groups": "2",
        "fig-cadres": "2",
        "fig-regions": "3",
        "fig-symposiums": "2",
        "fig-interviewees": "12,345",
        "fig-activities": "3",
        "fig-problems-collected": "3",
        "fig-suggestions-collected": "1",
        "fig-prominent": "1",
        "fig-inspection": "1 / 2",
        "fig-subordinate-units": "2",
        "fig-overdue": "1",
        "fig-due-soon": "1",
    }
    for testid, value in expected.items():
        assert figure(response, testid) == value, testid
    assert figure(response, "fig-consolidated").startswith("4 ")  # "4 in 2 lists"
    assert "2" in figure(response, "fig-consolidated").split(" ", 1)[1]


@pytest.mark.django_db
def test_it_counts_measures_and_problems_by_state(client, busy):
    client.force_login(busy.office)
    response = client.get(URL)
    html = response.content.decode()
    figures = response.context["figures"]
    assert figures.measures_by_state["draft"] == 4
    assert figures.measures_by_state["closed"] == 1
    assert figures.problems_by_state == {
        "no_measure": 1,
        "in_progress": 2,
        "rectified": 1,
        "phase_done": 0,
        "not_feasible": 0,
        "relapsed": 0,
    }
    # each state chip carries the state's colour and links to the filtered list
    assert 'href="/c/world/problems/?measure_state=closed"' in html
    assert 'class="badge text-bg-success">' in html  # closed / rectified colour
    assert 'href="/c/world/problems/?state=rectified"' in html


@pytest.mark.django_db
def test_each_question_is_one_click_away(client, busy):
    client.force_login(busy.office)
    html = client.get(URL).content.decode()
    lead = ProblemList.objects.get(name="领导班子突出问题清单")
    for query in (
        "?prominent=1",
        "?source=inspection",
        "?due=overdue",
        "?due=due_soon",
        f"?list={lead.pk}",
    ):
        assert f'href="/c/world/problems/{query}"' in html, query
    # and each link answers its question
    response = client.get("/c/world/problems/?prominent=1")
    assert [p.title for p in response.context["page"]] == ["突出问题甲"]
    response = client.get("/c/world/problems/?source=inspection")
    assert [p.title for p in response.context["page"]] == ["乙省救助审批时限过长", "巡视反馈问题二"]
    response = client.get("/c/world/problems/?due=overdue")
    assert [p.title for p in response.context["page"]] == ["突出问题甲"]


@pytest.mark.django_db
def test_indicators_show_in_wan_in_chinese(client, busy):
    client.force_login(busy.office)
    response = client.get(URL)
    html = response.content.decode()
    assert "惠及群众" in html
    assert "4,400万" in html
    client.cookies["django_language"] = "en"
    assert "44,000,000" in client.get(URL).content.decode()


@pytest.mark.django_db
def test_it_warns_when_the_holiday_calendar_does_not_cover_the_year(client, world, time_machine):
    client.force_login(world.office)
    response = client.get(URL)
    assert b'data-testid="calendar-warning"' not in response.content
    time_machine.move_to(dt.datetime(2031, 3, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    client.force_login(world.office)  # the old session has expired by then
    response = client.get(URL)
    assert response.context["figures"].calendar_warning_years == [2031]
    assert b'data-testid="calendar-warning"' in response.content
    assert b"2031" in response.content


@pytest.mark.django_db
def test_a_liaison_sees_only_their_unit(client, busy):
    client.force_login(busy.liaison)
    response = client.get(URL)
    assert response.status_code == 200
    assert "figures" not in response.context
    unit = response.context["unit"]
    # bureau_a: measure_a plus the two measures of the prominent problem
    assert unit["counts"].total == 3
    assert unit["counts"].overdue == 1
    assert unit["counts"].due_soon == 1
    assert figure(response, "unit-measures") == "3"
    assert figure(response, "unit-problems") == "2"
    assert b'data-testid="fig-consolidated"' not in response.content
    assert b'data-testid="fig-problems-collected"' not in response.content


@pytest.mark.django_db
def test_the_other_liaison_sees_only_theirs(client, busy):
    client.force_login(busy.liaison2)
    unit = client.get(URL).context["unit"]
    assert unit["counts"].total == 2
    assert unit["counts"].by_state["closed"] == 1
    assert unit["counts"].overdue == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("office", 200),
        ("leader", 200),
        ("group", 200),
        ("supervisor", 200),
        ("viewer", 200),
        ("liaison", 200),
        ("liaison2", 200),
        ("outsider", 404),
    ],
)
def test_who_may_open_it(client, world, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(URL).status_code == status


@pytest.mark.django_db
def test_an_unknown_campaign_is_404(client, world):
    client.force_login(world.office)
    assert client.get(reverse("campaign-home", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
