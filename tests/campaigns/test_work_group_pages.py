"""The work-group pages: the list for campaign readers, setting up and editing for the office."""

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.campaigns.models import WorkGroup
from tests.factories import make_campaign
from tests.helpers import attrs, texts

pytestmark = pytest.mark.django_db

READERS = ["office", "leader", "group", "member_b", "supervisor", "viewer"]


def list_url(scene):
    return reverse("work-group-list", args=[scene.campaign.slug])


def create_url(scene):
    return reverse("work-group-create", args=[scene.campaign.slug])


@pytest.mark.parametrize("persona", READERS)
def test_campaign_readers_see_every_group(client, scene, persona):
    client.force_login(scene.users[persona])
    response = client.get(list_url(scene))
    assert response.status_code == 200
    assert {int(a["data-pk"]) for a in attrs(response, "work-group-row")} == {
        scene.group_a.pk,
        scene.group_b.pk,
    }
    assert bool(attrs(response, "new-work-group")) == (persona == "office")
    assert bool(attrs(response, "edit-work-group")) == (persona == "office")


def test_liaisons_are_refused_and_outsiders_find_nothing(client, scene):
    client.force_login(scene.liaison)
    assert client.get(list_url(scene)).status_code == 403
    client.force_login(scene.outsider)
    assert client.get(list_url(scene)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, scene):
    for url in (list_url(scene), create_url(scene), reverse("work-group-edit", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["leader", "group", "viewer", "supervisor"])
def test_only_the_office_sets_up_groups(client, scene, persona):
    client.force_login(scene.users[persona])
    assert client.get(create_url(scene)).status_code == 403
    assert client.post(create_url(scene), {"name": "三组"}).status_code == 403
    edit = reverse("work-group-edit", args=[scene.group_a.pk])
    assert client.post(edit, {"name": "改名"}).status_code == 403
    assert not WorkGroup.objects.filter(name__in=["三组", "改名"]).exists()


def test_the_office_sets_up_a_group(client, scene):
    client.force_login(scene.office)
    response = client.post(
        create_url(scene),
        {
            "name": " 三组 ",
            "leader": scene.viewer.pk,
            "members": [scene.group.pk],
            "regions": [scene.hebei.pk],
            "org_units": [scene.org_a1.pk],
        },
    )
    assert response.status_code == 302
    group = WorkGroup.objects.get(name="三组")
    assert set(group.members.all()) == {scene.viewer, scene.group}
    assert list(group.regions.all()) == [scene.hebei]
    assert history(group).get().actor == scene.office


def test_a_blank_or_taken_name_is_a_field_error(client, scene):
    client.force_login(scene.office)
    response = client.post(create_url(scene), {"name": "   "})
    assert response.status_code == 200
    assert texts(response, "error-name")
    response = client.post(create_url(scene), {"name": "一组"})
    assert texts(response, "error-name")
    response = client.post(create_url(scene), {"name": "三组", "leader": scene.outsider.pk})
    assert texts(response, "error-leader")  # not a person of this campaign
    assert WorkGroup.objects.count() == 2


def test_the_office_edits_a_group_and_sees_its_history(client, scene):
    client.force_login(scene.office)
    url = reverse("work-group-edit", args=[scene.group_b.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert texts(page, "timeline")
    response = client.post(
        url,
        {
            "name": "二组",
            "members": [scene.member_b.pk],
            "regions": [scene.tianjin.pk, scene.hebei.pk],
            "org_units": [scene.bureau_b.pk],
        },
    )
    assert response.status_code == 302
    assert set(scene.group_b.regions.all()) == {scene.tianjin, scene.hebei}
    page = client.get(url)
    assert "河北省" in texts(page, "timeline")[0]


def test_a_group_of_another_campaign_is_not_found(client, scene):
    other = make_campaign(scene.ministry, slug="other")
    foreign = WorkGroup.objects.create(campaign=other, name="外组")
    client.force_login(scene.office)
    assert client.get(reverse("work-group-edit", args=[foreign.pk])).status_code == 404
