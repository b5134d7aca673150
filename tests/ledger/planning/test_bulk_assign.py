"""Assigning ticked problems of the list page to a unit: a draft measure each with the common
deadline and mode, one log entry each, the list's filters kept; only the office, only this
campaign's problems."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.ledger.models import Measure
from rectify.orgs.choices import Role
from tests.factories import grant, make_campaign, make_unit
from tests.helpers import attrs, messages_of

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(world):
    return reverse("problem-assign", args=[world.campaign.slug])


def three(world):
    return [
        services.create_problem(
            world.campaign, actor=world.office, title=f"待交办问题{i}", source=Source.GRASSROOTS
        )
        for i in range(3)
    ]


@pytest.mark.django_db
def test_three_ticked_problems_become_three_drafts(client, world):
    problems = three(world)
    client.force_login(world.office)
    response = client.post(
        url(world),
        {
            "problems": [p.pk for p in problems],
            "responsible_unit": world.bureau_b.pk,
            "deadline": "2027-03-31",
            "mode": "immediate",
            "content": "",
            "query": "?source=grassroots&q=%E5%BE%85",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == (
        reverse("problem-list", args=["world"]) + "?source=grassroots&q=%E5%BE%85"
    )
    measures = list(Measure.objects.filter(problem__in=problems).order_by("problem__number"))
    assert [(m.problem, m.responsible_unit, m.state, m.mode, m.deadline) for m in measures] == [
        (p, world.bureau_b, "draft", "immediate", dt.date(2027, 3, 31)) for p in problems
    ]
    # a blank text takes each problem's title
    assert all(p.title in m.content for p, m in zip(problems, measures, strict=True))
    for m in measures:
        assert ActivityLog.objects.filter(action="measure.create", target_id=m.pk).count() == 1
    (message,) = messages_of(response)
    assert "3" in message and "乙省民政厅" in message


@pytest.mark.django_db
def test_a_common_text_is_used_for_each(client, world):
    problems = three(world)[:2]
    client.force_login(world.office)
    client.post(
        url(world),
        {
            "problems": [p.pk for p in problems],
            "responsible_unit": world.bureau_a.pk,
            "mode": "long_term",
            "deadline": "",
            "content": "建立长效机制",
        },
    )
    measures = Measure.objects.filter(problem__in=problems)
    assert [m.content for m in measures] == ["建立长效机制"] * 2
    assert [m.deadline for m in measures] == [None, None]


@pytest.mark.django_db
def test_problems_of_another_campaign_are_refused(client, world):
    problems = three(world)
    other = make_campaign(world.ministry, slug="other")
    grant(world.office, other, Role.OFFICE)
    foreign = services.create_problem(
        other, actor=world.office, title="别处的问题", source=Source.GRASSROOTS
    )
    client.force_login(world.office)
    before = Measure.objects.count()
    response = client.post(
        url(world),
        {
            "problems": [problems[0].pk, foreign.pk],
            "responsible_unit": world.bureau_a.pk,
            "deadline": "2027-03-31",
            "mode": "phased",
        },
        follow=True,
    )
    assert Measure.objects.count() == before
    assert len(messages_of(response)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "nothing_because"),
    [
        ({"problems": []}, "none ticked"),
        ({"deadline": ""}, "a phased measure needs a deadline"),
        ({"deadline": "2025-06-30"}, "before the campaign starts"),
        ({"responsible_unit": ""}, "no unit"),
        ({"mode": "someday"}, "no such mode"),
    ],
)
def test_what_is_checked(client, world, overrides, nothing_because):
    world.campaign.starts_on = dt.date(2026, 1, 1)
    world.campaign.save()
    problems = three(world)
    client.force_login(world.office)
    before = Measure.objects.count()
    values = {
        "problems": [p.pk for p in problems],
        "responsible_unit": world.bureau_a.pk,
        "deadline": "2027-03-31",
        "mode": "phased",
        **overrides,
    }
    response = client.post(url(world), values, follow=True)
    assert Measure.objects.count() == before, nothing_because
    assert len(messages_of(response)) >= 1


@pytest.mark.django_db
def test_a_unit_outside_the_campaign_is_refused(client, world):
    problems = three(world)
    client.force_login(world.office)
    response = client.post(
        url(world),
        {
            "problems": [p.pk for p in problems],
            "responsible_unit": make_unit("无关单位").pk,
            "deadline": "2027-03-31",
            "mode": "phased",
        },
    )
    assert response.status_code == 302
    assert not Measure.objects.filter(problem__in=problems).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"), [("liaison", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_the_office_assigns(client, world, persona, status):
    problems = three(world)
    client.force_login(world.personas[persona])
    response = client.post(
        url(world),
        {
            "problems": [p.pk for p in problems],
            "responsible_unit": world.bureau_a.pk,
            "deadline": "2027-03-31",
            "mode": "phased",
        },
    )
    assert response.status_code == status
    assert not Measure.objects.filter(problem__in=problems).exists()


@pytest.mark.django_db
def test_the_list_offers_the_action_to_the_office_only(client, world):
    list_url = reverse("problem-list", args=["world"])
    client.force_login(world.office)
    page = client.get(list_url)
    (button,) = attrs(page, "assign-submit")
    assert button["formaction"] == url(world)
    assert len(attrs(page, "bulk-assign")) == 1
    client.force_login(world.liaison)
    assert attrs(client.get(list_url), "bulk-assign") == []


@pytest.mark.django_db
def test_get_is_not_allowed(client, world):
    client.force_login(world.office)
    assert client.get(url(world)).status_code == 405
