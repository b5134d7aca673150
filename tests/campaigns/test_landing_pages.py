"""Login, logout (POST only), anonymous redirects, the landing page and the language switch."""

import pytest
from django.conf import settings
from django.urls import reverse

from rectify.orgs.choices import Role
from tests.factories import PASSWORD, grant, make_campaign

pytestmark = pytest.mark.usefixtures("pinned_today")


def protected_urls(world):
    return [
        reverse("home"),
        reverse("campaign-home", args=[world.campaign.slug]),
        reverse("problem-list", args=[world.campaign.slug]),
        reverse("problem-detail", args=[world.campaign.slug, world.problem.number]),
        reverse("measure-detail", args=[world.measure_a.pk]),
        reverse("measure-edit", args=[world.measure_a.pk]),
    ]


@pytest.mark.django_db
def test_it_shows_the_login_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.django_db
def test_it_logs_in_and_lands_on_the_only_campaign(client, world):
    response = client.post(
        reverse("login"), {"username": "office", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("campaign-home", args=["world"])
    assert response.status_code == 200
    assert response.context["user"] == world.office


@pytest.mark.django_db
def test_it_refuses_a_wrong_password(client, world):
    response = client.post(reverse("login"), {"username": "office", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_returns_to_next_after_login(client, world):
    target = reverse("problem-list", args=["world"])
    response = client.post(
        f"{reverse('login')}?next={target}",
        {"username": "viewer", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.url == target


@pytest.mark.django_db
def test_logout_is_a_post(client, world):
    client.force_login(world.office)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_every_page_sends_anonymous_users_to_login(client, world):
    for url in protected_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{reverse('login')}?next="), url


@pytest.mark.django_db
def test_a_transition_post_sends_anonymous_users_to_login(client, world):
    url = reverse("measure-transition", args=[world.measure_a.pk, "start"])
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    world.measure_a.refresh_from_db()
    assert world.measure_a.state == "draft"


@pytest.mark.django_db
def test_home_lists_campaigns_when_there_are_several(client, world):
    other = make_campaign(world.ministry, slug="second", name="第二项专项工作")
    grant(world.viewer, other, Role.VIEWER)
    client.force_login(world.viewer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    names = [c.name for c in response.context["campaigns"]]
    assert sorted(names) == sorted(["测试专项工作", "第二项专项工作"])
    assert reverse("campaign-home", args=["second"]).encode() in response.content


@pytest.mark.django_db
def test_home_of_a_user_without_campaigns_is_empty(client, world):
    client.force_login(world.outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["campaigns"] == []
    assert "测试专项工作".encode() not in response.content


@pytest.mark.django_db
def test_the_page_language_is_chinese_by_default_and_switchable(client, world):
    client.force_login(world.office)
    url = reverse("campaign-home", args=["world"])
    response = client.get(url)
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert b'<html lang="zh-hans">' in response.content
    assert "2026年11月16日".encode() in response.content  # Chinese date format

    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    response = client.get(url)
    assert b'<html lang="en">' in response.content
    assert "2026年11月16日".encode() not in response.content


@pytest.mark.django_db
def test_the_navbar_lists_only_my_campaigns(client, world):
    make_campaign(world.ministry, slug="secret", name="不相干的专项工作")
    client.force_login(world.office)
    response = client.get(reverse("campaign-home", args=["world"]))
    assert "不相干的专项工作".encode() not in response.content


@pytest.mark.django_db
def test_home_nests_subordinate_campaigns_under_their_parent(client, world):
    for i in range(3):
        child = make_campaign(
            world.bureau_a, slug=f"sub{i}", name=f"下属专项{i}", parent=world.campaign
        )
        grant(world.office, child, Role.OFFICE)
    client.force_login(world.office)
    # One top campaign: straight there after login (defect 8 of issue 10) …
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("campaign-home", args=["world"])
    # … and the list with its subordinates under "All campaigns".
    response = client.get(reverse("home") + "?all=1")
    tree = response.context["tree"]
    assert [(c.slug, [k.slug for k in kids]) for c, kids in tree] == [
        ("world", ["sub0", "sub1", "sub2"])
    ]
    assert reverse("campaign-home", args=["sub2"]).encode() in response.content
    # the navbar lists only the top campaign (and a link to all)
    response = client.get(reverse("campaign-home", args=["sub1"]))
    html = response.content.decode()
    menu = html[
        html.index('class="dropdown-menu"') : html.index(
            "</ul>", html.index('class="dropdown-menu"')
        )
    ]
    assert 'href="/c/world/"' in menu
    assert 'href="/c/sub0/"' not in menu
    assert 'href="/?all=1"' in menu
