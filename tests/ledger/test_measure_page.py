"""The measure page: details, milestones, progress, evidence, verifications, buttons, timeline."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.ledger import services
from tests.factories import add_evidence
from tests.helpers import attrs, texts

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(measure):
    return reverse("measure-detail", args=[measure.pk])


def buttons(response) -> list[str]:
    return [t.name for t in response.context["transitions"]]


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
        ("liaison2", 404),  # another unit's measure: not even its existence
        ("outsider", 404),
    ],
)
def test_who_may_open_it(client, world, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(url(world.measure_a)).status_code == status


@pytest.mark.django_db
def test_an_unknown_measure_is_404(client, world):
    client.force_login(world.office)
    assert client.get(reverse("measure-detail", args=[99999])).status_code == 404


@pytest.mark.django_db
def test_it_shows_the_records_of_the_measure(client, world):
    m = world.measure_a
    services.update_measure(
        m, actor=world.office, expected_version=m.version, responsible_person="张三"
    )
    services.add_milestone(m, actor=world.liaison, title="摸底排查", due_on=dt.date(2026, 12, 10))
    m = services.start(m, actor=world.liaison)
    services.add_progress_report(m, actor=world.liaison, text="已完成摸底", percent_done=30)
    add_evidence(m, world.liaison, name="摸底报告.docx")
    m = services.request_closure(m, actor=world.liaison, reason="整改完成")
    services.return_measure(m, actor=world.office, reason="佐证不充分")

    client.force_login(world.office)
    response = client.get(url(m))
    html = response.content.decode()
    assert texts(response, "measure-content") == ["清理规范各类考核事项"]
    assert texts(response, "responsible-unit") == ["甲省民政厅"]
    assert texts(response, "responsible-person") == ["张三"]
    assert texts(response, "deadline") == ["2026年12月31日"]
    assert attrs(response, "state-badge")[0]["data-state"] == "returned"
    assert "摸底排查" in html and "2026年12月10日" in html
    assert "已完成摸底" in texts(response, "progress-report")[0]
    assert "摸底报告.docx" in texts(response, "evidence")[0]
    assert "佐证不充分" in texts(response, "verification")[0]
    actions = [e["reason"] for e in response.context["timeline"]]
    assert "佐证不充分" in actions
    assert len(response.context["timeline"]) >= 7  # create, update, milestone, start, ...


@pytest.mark.django_db
def test_the_buttons_follow_the_state_machine(client, world):
    client.force_login(world.office)
    assert buttons(client.get(url(world.measure_a))) == ["start"]
    client.force_login(world.liaison)
    assert buttons(client.get(url(world.measure_a))) == ["start"]
    for persona in ("viewer", "leader", "supervisor", "group"):
        client.force_login(world.personas[persona])
        response = client.get(url(world.measure_a))
        assert buttons(response) == [], persona
        assert b'data-testid="transitions"' not in response.content
        assert b'data-testid="edit-link"' not in response.content

    m = services.start(world.measure_a, actor=world.liaison)
    add_evidence(m, world.liaison)
    services.request_closure(m, actor=world.liaison, reason="整改完成")
    client.force_login(world.office)
    response = client.get(url(m))
    # The office's decisions (verify, return, close as not feasible) are on the verification
    # page, where the request and its evidence are: the measure page links there.
    assert buttons(response) == ["verify", "return", "close_not_feasible"]
    html = response.content.decode()
    assert f'href="/measures/{m.pk}/verify/"' in html
    assert "/transition/verify/" not in html
    client.force_login(world.liaison)
    assert buttons(client.get(url(m))) == []


@pytest.mark.django_db
def test_the_edit_link_shows_for_those_who_may_edit(client, world):
    for persona in ("office", "liaison"):
        client.force_login(world.personas[persona])
        response = client.get(url(world.measure_a))
        assert b'data-testid="edit-link"' in response.content, persona


@pytest.mark.django_db
def test_an_overdue_measure_shows_how_late_it_is(client, world):
    late = world.measure(world.problem, world.bureau_a, "逾期", deadline=dt.date(2026, 11, 9))
    client.force_login(world.liaison)
    response = client.get(url(late))
    assert response.context["due_status"] == "overdue"
    assert response.context["days_overdue"] == 7
    assert "7" in texts(response, "due-badge")[0]


@pytest.mark.django_db
def test_evidence_downloads_only_for_those_who_see_the_measure(client, world):
    evidence = add_evidence(world.measure_a, world.liaison, content=b"PROOF", name="证明.txt")
    link = reverse("evidence-download", args=[evidence.pk])
    client.force_login(world.liaison)
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PROOF"
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(world.liaison2)
    assert client.get(link).status_code == 404
    client.force_login(world.outsider)
    assert client.get(link).status_code == 404
