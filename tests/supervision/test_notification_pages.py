"""The notification pages end to end: a person's own list (newest first, unread emphasised,
paginated, unread/all), the unread badge in the navigation, opening one (marks it read and
follows only a local link), marking all read, the e-mail delivery choice; and 催办 from the
measure page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from rectify.orgs.choices import Role
from rectify.supervision import services
from rectify.supervision.choices import NotificationKind
from rectify.supervision.models import Notification, NotificationSettings, SupervisionAction
from tests.factories import grant, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_today")]


def send(w, user, subject="整改措施即将到期", url="", **fields):
    (n,) = services.notify(
        [user],
        kind=fields.pop("kind", NotificationKind.REMINDER),
        subject=subject,
        body="请按时完成整改",
        campaign=w.campaign,
        url=url,
        **fields,
    )
    return n


def test_the_list_shows_only_my_notifications_newest_first_unread_emphasised(
    client, world, time_machine
):
    old = send(world, world.liaison, "旧的提醒")
    time_machine.shift(60)
    new = send(world, world.liaison, "新的提醒")
    send(world, world.liaison2, "别人的提醒")
    services.mark_read(world.liaison, [old])
    client.force_login(world.liaison)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "别人的提醒" not in html
    assert html.index("新的提醒") < html.index("旧的提醒")
    assert f'data-pk="{new.pk}" data-unread="true"' in html
    assert f'data-pk="{old.pk}" data-unread="false"' in html
    assert html.count('data-testid="unread-mark"') == 1


def test_unread_only_and_pages(client, world):
    for i in range(30):
        send(world, world.liaison, f"提醒{i:02d}")
    services.mark_read(world.liaison, Notification.objects.filter(subject="提醒00"))
    client.force_login(world.liaison)
    first = client.get(reverse("notifications")).content.decode()
    assert first.count('data-testid="notification"') == 25
    second = client.get(reverse("notifications"), {"page": 2}).content.decode()
    assert second.count('data-testid="notification"') == 5
    unread = client.get(reverse("notifications"), {"show": "unread", "page": 2})
    assert unread.content.decode().count('data-testid="notification"') == 4
    assert "提醒00" not in unread.content.decode()
    # the htmx answer is the rows only
    part = client.get(reverse("notifications"), {"page": 2}, headers={"HX-Request": "true"})
    assert part.content.decode().lstrip().startswith('<div id="notification-rows">')


def test_the_navigation_shows_my_unread_count(client, world):
    for _ in range(3):
        send(world, world.liaison)
    send(world, world.office)
    client.force_login(world.liaison)
    response = client.get(reverse("calendar"))
    assert b'data-testid="nav-unread"' in response.content
    assert response.context["nav_unread"] == 3
    # the count is asked once per page, however often the page shows it
    page = client.get(reverse("notifications"))
    assert page.context["nav_unread"] == 3
    services.mark_read(world.liaison)
    response = client.get(reverse("calendar"))
    assert b'data-testid="nav-notifications"' in response.content
    assert b'data-testid="nav-unread"' not in response.content


def test_the_unread_count_costs_one_query(rf, world, django_assert_num_queries):
    from django.template import Context, Template

    send(world, world.liaison)
    request = rf.get("/")
    request.user = world.liaison
    template = Template(
        "{% load notifications %}{% unread_notifications as a %}"
        "{% unread_notifications as b %}{{ a }}{{ b }}"
    )
    with django_assert_num_queries(1):
        assert template.render(Context({"request": request, "user": world.liaison})) == "11"


def test_opening_marks_read_and_goes_to_the_local_link(client, world):
    n = send(world, world.liaison, url=f"/measures/{world.measure_a.pk}/", measure=world.measure_a)
    client.force_login(world.liaison)
    response = client.get(reverse("notification-open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/measures/{world.measure_a.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
        "measures/1/",
    ],
)
def test_opening_never_leaves_the_site(client, world, url):
    n = send(world, world.liaison, url=url)
    client.force_login(world.liaison)
    response = client.get(reverse("notification-open", args=[n.pk]))
    assert response["Location"] == f"{reverse('notifications')}#notification-{n.pk}"
    n.refresh_from_db()
    assert n.read_at is not None


def test_nobody_opens_anothers_notification(client, world):
    n = send(world, world.liaison, url="/")
    client.force_login(world.office)
    assert client.get(reverse("notification-open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_touches_only_mine(client, world):
    for _ in range(2):
        send(world, world.liaison)
    theirs = send(world, world.liaison2)
    client.force_login(world.liaison)
    response = client.post(reverse("notifications-read-all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.liaison, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("notifications-read-all")).status_code == 405


def test_mark_all_read_by_htmx_refreshes_the_rows_and_the_badge(client, world):
    send(world, world.liaison, "待读提醒")
    client.force_login(world.liaison)
    response = client.post(
        reverse("notifications-read-all") + "?show=unread", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="notification-rows"' in html and "待读提醒" not in html
    assert 'id="nav-notifications"' in html and 'hx-swap-oob="true"' in html
    assert 'data-testid="nav-unread"' not in html


def test_the_delivery_choice_and_the_address(client, world):
    client.force_login(world.liaison)
    page = client.get(reverse("notifications")).content.decode()
    assert 'data-testid="no-email"' in page
    assert 'value="digest" class="form-check-input" id="id_delivery_0" required checked' in page
    response = client.post(reverse("notification-delivery"), {"delivery": "immediate"})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=world.liaison).delivery == "immediate"
    world.liaison.email = "liaison@example.org"
    world.liaison.save()
    page = client.get(reverse("notifications")).content.decode()
    assert "liaison@example.org" in page and 'data-testid="no-email"' not in page
    assert 'value="immediate" class="form-check-input" id="id_delivery_1" required checked' in page
    bad = client.post(reverse("notification-delivery"), {"delivery": "hourly"})
    assert bad.status_code == 400
    assert NotificationSettings.objects.get(user=world.liaison).delivery == "immediate"


# --- 催办 on the measure page -------------------------------------------------------------


@pytest.fixture
def supervisor_a(world):
    user = make_user("supervisor_a")
    grant(user, world.campaign, Role.SUPERVISOR, world.bureau_a)
    return user


def measure_page(client, user, measure) -> str:
    client.force_login(user)
    response = client.get(reverse("measure-detail", args=[measure.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_urge_form_shows_only_to_who_may_urge(client, world, supervisor_a):
    m = world.measure_a
    for user in (world.office, world.supervisor, supervisor_a):
        assert 'data-testid="urge-form"' in measure_page(client, user, m)
    for user in (world.liaison, world.viewer, world.leader, world.group):
        assert 'data-testid="urge-box"' not in measure_page(client, user, m)  # not urged yet


def test_urging_from_the_measure_page_notifies_the_unit(client, world, supervisor_a):
    m = world.measure_a
    client.force_login(supervisor_a)
    url = reverse("measure-urge", args=[world.campaign.slug, m.pk])
    response = client.post(url, {"message": "请于本周五前报送进展"})
    assert response.status_code == 302
    assert response["Location"] == reverse("measure-detail", args=[m.pk])
    action = SupervisionAction.objects.get(measure=m)
    assert action.content == "请于本周五前报送进展" and action.actor == supervisor_a
    (n,) = Notification.objects.filter(kind=NotificationKind.URGE)
    assert n.recipient == world.liaison
    # the unit's liaison sees the count, the last time and the message (no form)
    html = measure_page(client, world.liaison, m)
    assert 'data-testid="urge-count" data-count="1"' in html
    assert timezone.localtime(action.happened_at).strftime("%Y-%m-%d %H:%M") in html
    assert "请于本周五前报送进展" in html and 'data-testid="urge-form"' not in html
    # …and a badge in the navigation; opening leads to the measure and reads it
    assert 'data-testid="nav-unread"' in html
    opened = client.get(reverse("notification-open", args=[n.pk]))
    assert opened["Location"] == reverse("measure-detail", args=[m.pk])


def test_urging_by_htmx_answers_the_box(client, world):
    client.force_login(world.office)
    url = reverse("measure-urge", args=[world.campaign.slug, world.measure_b.pk])
    response = client.post(url, {"message": "抓紧办理"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="urge-box"') and 'data-count="1"' in html
    empty = client.post(url, {"message": "   "}, headers={"HX-Request": "true"})
    assert 'data-testid="error-message"' in empty.content.decode()
    assert SupervisionAction.objects.filter(measure=world.measure_b).count() == 1


def test_urging_refuses_others_and_wrong_campaigns(client, world, supervisor_a):
    url = reverse("measure-urge", args=[world.campaign.slug, world.measure_b.pk])
    client.force_login(supervisor_a)
    assert client.post(url, {"message": "催"}).status_code == 404  # not theirs to see
    client.force_login(world.liaison2)
    assert client.post(url, {"message": "催"}).status_code == 403
    client.force_login(world.office)
    assert (
        client.post(
            reverse("measure-urge", args=["other", world.measure_b.pk]), {"message": "催"}
        ).status_code
        == 404
    )
    assert not SupervisionAction.objects.exists()
    invalid = client.post(url, {"message": ""})
    assert invalid.status_code == 302 and not SupervisionAction.objects.exists()
