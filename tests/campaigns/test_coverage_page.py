"""The coverage page: regions × work groups with the thin regions marked, sortable, each count
linking to the list it counts; the same by assigned unit. Per persona."""

import pytest
from django.urls import reverse

from rectify.feedback.items import services as feedback_services
from rectify.orgs.choices import Role
from tests.factories import grant, make_user
from tests.helpers import _Finder, texts

pytestmark = pytest.mark.django_db


def url(scene, **query):
    base = reverse("coverage", args=[scene.campaign.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def rows(response, by="region") -> list[dict]:
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index(f'data-testid="coverage-{by}"') :]
    table = table[: table.index("</table>")]
    finder = _Finder()
    finder.feed(table)
    return finder.attrs.get("coverage-row", [])


@pytest.fixture
def collected(scene):
    for text in ("低保审批慢", "养老服务少", "婚姻登记难"):
        feedback_services.create_feedback(
            scene.campaign,
            actor=scene.group,
            kind="problem",
            text=text,
            channel="symposium",
            region=scene.beijing,
            activity=scene.activity_a,
        )
    feedback_services.create_feedback(
        scene.campaign,
        actor=scene.member_b,
        kind="suggestion",
        text="建议增加社工",
        channel="interview",
        region=scene.tianjin,
        activity=scene.activity_b,
    )
    return scene


def test_the_office_sees_every_region_with_its_groups_and_counts(client, collected):
    client.force_login(collected.office)
    response = client.get(url(collected))
    found = rows(response)
    assert len(found) == 32
    beijing = next(r for r in found if r["data-place"] == str(collected.beijing.pk))
    assert beijing["data-thin"] == "0"
    hebei = next(r for r in found if r["data-place"] == str(collected.hebei.pk))
    assert hebei["data-thin"] == "1"
    assert texts(response, "total-activities") == ["2"]
    assert texts(response, "total-participants") == ["15"]
    assert texts(response, "total-problems") == ["3"]
    assert texts(response, "total-suggestions") == ["1"]
    html = response.content.decode()
    feedback = reverse("feedback-list", args=[collected.campaign.slug])
    assert f"{feedback}?region={collected.beijing.pk}&amp;kind=problem" in html
    assert not texts(response, "limited")


def test_rows_sort_by_a_column(client, collected):
    client.force_login(collected.office)
    found = rows(client.get(url(collected, sort="-items")))
    assert [r["data-place"] for r in found[:2]] == [
        str(collected.beijing.pk),
        str(collected.tianjin.pk),
    ]
    found = rows(client.get(url(collected, sort="-participants")))
    assert found[0]["data-place"] == str(collected.beijing.pk)


def test_assigned_units_have_their_own_table(client, collected):
    client.force_login(collected.office)
    found = rows(client.get(url(collected)), by="unit")
    assert {r["data-place"] for r in found} == {
        str(collected.bureau_a.pk),
        str(collected.bureau_b.pk),
    }


@pytest.mark.parametrize("persona", ["leader", "supervisor", "viewer", "group"])
def test_campaign_readers_see_it_too(client, collected, persona):
    client.force_login(collected.users[persona])
    assert client.get(url(collected)).status_code == 200


def test_a_reader_limited_to_a_unit_is_told_the_counts_are_limited(client, collected):
    reader = make_user("viewer_b")
    grant(reader, collected.campaign, Role.VIEWER, collected.bureau_b)
    client.force_login(reader)
    response = client.get(url(collected))
    assert texts(response, "limited")
    assert texts(response, "total-problems") == ["0"]


def test_liaisons_are_refused_outsiders_find_nothing_anonymous_log_in(client, collected):
    client.force_login(collected.liaison)
    assert client.get(url(collected)).status_code == 403
    client.force_login(collected.outsider)
    assert client.get(url(collected)).status_code == 404
    client.logout()
    assert client.get(url(collected)).status_code == 302


def test_the_navbar_links_the_listening_pages_for_readers_only(client, collected):
    home = reverse("campaign-home", args=[collected.campaign.slug])
    client.force_login(collected.viewer)
    assert url(collected) in client.get(home).content.decode()
    client.force_login(collected.liaison)
    assert url(collected) not in client.get(home).content.decode()


def test_hostile_group_names_are_inert(client, collected):
    collected.group_b.name = "<script>alert(1)</script>\u202e组"
    collected.group_b.save()
    client.force_login(collected.office)
    for page in (url(collected), reverse("work-group-list", args=[collected.campaign.slug])):
        html = client.get(page).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
