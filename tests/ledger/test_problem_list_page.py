"""The problem list: scoped rows, one filter, the htmx partial, pagination, pinned query count."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.ledger.models import Category, Measure, Problem, ProblemList
from rectify.orgs.access import SYSTEM
from tests.factories import add_evidence
from tests.helpers import attrs, row_numbers

pytestmark = pytest.mark.usefixtures("pinned_today")

URL = reverse("problem-list", args=["world"])


@pytest.fixture
def ledger(world):
    """World problems 1 (bureau_a + bureau_b measures) and 2 (bureau_b, inspection), plus:
    3 prominent, in a list and a category, with an overdue bureau_a measure;
    4 without measures; 5 rectified (bureau_b)."""
    c = world.campaign
    world.list_lead = ProblemList.objects.create(campaign=c, name="领导班子突出问题清单")
    world.category = Category.objects.create(campaign=c, name="形式主义")
    p3 = services.create_problem(
        c,
        actor=world.office,
        title="文山会海问题突出",
        source=Source.GRASSROOTS,
        is_prominent=True,
        category=world.category,
        lists=[world.list_lead],
        lead_unit=world.bureau_a,
    )
    world.overdue = world.measure(p3, world.org_a1, "压减发文数量", deadline=dt.date(2026, 11, 1))
    services.create_problem(c, actor=world.office, title="尚无措施的问题", source=Source.AUDIT)
    p5 = services.create_problem(c, actor=world.office, title="已经整改的问题", source=Source.SELF)
    m5 = world.measure(p5, world.bureau_b, "已完成的措施", deadline=dt.date(2026, 12, 1))
    services.start(m5, actor=world.office)
    add_evidence(m5, world.office)
    services.request_closure(m5, actor=SYSTEM, reason="整改完成")
    services.verify(m5, actor=world.office, reason="同意销号")
    return world


def numbers(client, query=""):
    response = client.get(URL + query)
    assert response.status_code == 200
    return row_numbers(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", [1, 2, 3, 4, 5]),
        ("leader", [1, 2, 3, 4, 5]),
        ("group", [1, 2, 3, 4, 5]),
        ("supervisor", [1, 2, 3, 4, 5]),
        ("viewer", [1, 2, 3, 4, 5]),
        ("liaison", [1, 3]),
        ("liaison2", [1, 2, 5]),
    ],
)
def test_each_persona_sees_their_problems(client, ledger, persona, expected):
    client.force_login(ledger.personas[persona])
    assert numbers(client) == expected


@pytest.mark.django_db
def test_outsiders_get_404(client, ledger):
    client.force_login(ledger.outsider)
    assert client.get(URL).status_code == 404


@pytest.mark.django_db
def test_the_rows_show_the_columns(client, ledger):
    client.force_login(ledger.office)
    response = client.get(URL)
    html = response.content.decode()
    rows = {p.number: p for p in response.context["page"]}
    assert rows[1].measure_count == 2
    assert rows[3].overdue_count == 1
    assert rows[3].state == "in_progress"
    assert rows[4].state == "no_measure"
    assert rows[5].state == "rectified"
    assert "文山会海问题突出" in html
    assert "领导班子突出问题清单" in html
    assert "甲省民政厅" in html  # lead unit of problem 3
    assert len(attrs(response, "overdue-badge")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?source=inspection", [2]),
        ("?prominent=1", [3]),
        ("?prominent=0", [1, 2, 4, 5]),
        ("?state=no_measure", [4]),
        ("?state=in_progress", [1, 2, 3]),
        ("?state=rectified", [5]),
        ("?measure_state=closed", [5]),
        ("?due=overdue", [3]),
        ("?due=due_soon", []),
        ("?q=整改", [5]),
        ("?q=问题&source=audit", [4]),
        ("?page=1&q=", [1, 2, 3, 4, 5]),
    ],
)
def test_it_filters(client, ledger, query, expected):
    client.force_login(ledger.office)
    assert numbers(client, query) == expected


@pytest.mark.django_db
def test_it_filters_by_list_category_and_unit_subtree(client, ledger):
    client.force_login(ledger.office)
    assert numbers(client, f"?list={ledger.list_lead.pk}") == [3]
    assert numbers(client, f"?category={ledger.category.pk}") == [3]
    # bureau_a's subtree holds org_a1, the unit of problem 3's measure
    assert numbers(client, f"?unit={ledger.bureau_a.pk}") == [1, 3]
    assert numbers(client, f"?unit={ledger.bureau_b.pk}") == [1, 2, 5]


@pytest.mark.django_db
def test_a_due_soon_measure_is_found(client, ledger):
    ledger.measure(ledger.problem, ledger.bureau_a, "临期", deadline=dt.date(2026, 11, 18))
    client.force_login(ledger.office)
    assert numbers(client, "?due=due_soon") == [1]


@pytest.mark.django_db
def test_a_liaison_cannot_filter_by_another_units_measures(client, ledger):
    client.force_login(ledger.liaison)
    response = client.get(URL + f"?unit={ledger.bureau_b.pk}")
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors  # not one of their choices
    units = list(response.context["form"].fields["unit"].queryset)
    assert ledger.bureau_b not in units
    # problem 1 has a bureau_b measure, but the liaison cannot learn that through a filter
    assert row_numbers(response) == [1, 3]
    assert numbers(client, "?measure_state=closed") == []


@pytest.mark.django_db
def test_a_bad_filter_value_shows_a_field_error(client, ledger):
    client.force_login(ledger.office)
    response = client.get(URL + "?source=nonsense&prominent=1")
    assert response.status_code == 200
    assert "source" in response.context["form"].errors
    assert row_numbers(response) == [3]  # the valid filter still applies


@pytest.mark.django_db
def test_htmx_requests_get_only_the_rows(client, ledger):
    client.force_login(ledger.office)
    response = client.get(URL + "?source=inspection", headers={"HX-Request": "true"})
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert "ledger/_problem_rows.html" in names
    assert "ledger/problem_list.html" not in names
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="problem-rows">')
    assert row_numbers(response) == [2]
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_the_full_page_includes_the_same_rows(client, ledger):
    client.force_login(ledger.office)
    response = client.get(URL)
    names = [t.name for t in response.templates]
    assert "ledger/problem_list.html" in names
    assert "ledger/_problem_rows.html" in names
    html = response.content.decode()
    assert '<div id="problem-rows">' in html
    assert 'hx-get="/c/world/problems/"' in html  # the filter form refreshes the rows
    assert 'method="get"' in html  # and works as a plain form without JavaScript


@pytest.mark.django_db
def test_a_history_restore_gets_the_whole_page(client, ledger):
    client.force_login(ledger.office)
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in response.content


def make_many(world, n):
    start = Problem.objects.filter(campaign=world.campaign).count() + 1
    problems = Problem.objects.bulk_create(
        Problem(campaign=world.campaign, number=start + i, title=f"批量问题{i}", source="self")
        for i in range(n)
    )
    Measure.objects.bulk_create(
        Measure(
            campaign=world.campaign,
            problem=p,
            content="措施",
            responsible_unit=world.bureau_a if i % 2 else world.bureau_b,
            deadline=dt.date(2026, 11, 1) if i % 3 == 0 else dt.date(2026, 12, 31),
        )
        for i, p in enumerate(problems)
    )
    for pl in [ProblemList.objects.create(campaign=world.campaign, name="批量清单")]:
        pl.problems.add(*problems)


@pytest.mark.django_db
def test_it_pages_by_fifty_in_number_order(client, world):
    make_many(world, 118)  # 120 problems in all
    client.force_login(world.office)
    assert numbers(client) == list(range(1, 51))
    assert numbers(client, "?page=2") == list(range(51, 101))
    assert numbers(client, "?page=3") == list(range(101, 121))
    assert numbers(client, "?page=99") == list(range(101, 121))  # past the end: the last page
    response = client.get(URL + "?source=self&page=2")
    assert row_numbers(response) == list(range(53, 103))
    html = response.content.decode()
    assert 'href="?source=self&amp;page=3"' in html  # page links keep the filters
    assert 'href="?source=self&amp;page=1"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office", "liaison"])
def test_the_query_count_does_not_grow_with_rows(
    client, world, persona, django_assert_max_num_queries
):
    make_many(world, 118)
    client.force_login(world.personas[persona])
    # 12 for the page, one for the navigation's badges (worklists.attention_counts), one for the
    # unread notifications and one for the calendar the unit's due-soon window is counted in.
    with django_assert_max_num_queries(15):
        response = client.get(URL + "?due=overdue")
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        client.get(URL, headers={"HX-Request": "true"})
