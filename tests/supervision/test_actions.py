"""Supervision actions on pages: recorded by the office and the unit's supervisors only, listed
newest first within the reader's units, follow-up measures created from a finding in one step
and linked both ways, and the problem's timeline showing the supervision about it."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.core.errors import PermissionRefused
from rectify.ledger import services as ledger_services
from rectify.ledger.choices import MeasureState, Source
from rectify.ledger.scoping import can_create_follow_up
from rectify.supervision import services
from rectify.supervision.choices import SupervisionKind

pytestmark = pytest.mark.usefixtures("pinned_today")


def inspect(w, unit, actor=None, **kw):
    return services.record_action(
        w.campaign,
        actor=actor or w.supervisor,
        kind=kw.pop("kind", SupervisionKind.INSPECTION),
        target_unit=unit,
        content=kw.pop("content", "台账更新不及时"),
        **kw,
    )


# --- rules -------------------------------------------------------------------------------------


def test_who_may_add_a_follow_up_measure(world, supervisor_a):
    w = world
    for unit in (w.bureau_a, w.org_a1, w.bureau_b):
        assert can_create_follow_up(w.office, w.campaign, unit)
        assert can_create_follow_up(w.supervisor, w.campaign, unit)
    assert can_create_follow_up(supervisor_a, w.campaign, w.org_a1)
    assert not can_create_follow_up(supervisor_a, w.campaign, w.bureau_b)
    for who in (w.leader, w.viewer, w.group, w.liaison):
        assert not can_create_follow_up(who, w.campaign, w.bureau_a)


def test_a_follow_up_on_an_existing_problem_is_linked_and_logged(world):
    w = world
    action = inspect(w, w.bureau_a, participants="张三、李四")
    measure = services.add_follow_up(
        action,
        actor=w.supervisor,
        problem=w.problem,
        content="一周内补齐台账",
        deadline=dt.date(2026, 12, 1),
    )
    assert measure.problem == w.problem and measure.responsible_unit == w.bureau_a
    assert measure.state == MeasureState.DRAFT and measure.created_by == w.supervisor
    assert list(action.follow_ups.all()) == [measure]
    assert list(measure.supervision_origins.all()) == [action]
    action.refresh_from_db()
    assert action.problem == w.problem  # the action is now about the problem
    created = history(measure).get(action="measure.create")
    assert "巡察" in created.reason or "Inspection" in created.reason
    assert history(action).filter(action="supervision.follow_up").count() == 1


def test_a_follow_up_may_open_a_new_problem_led_by_the_unit(world, supervisor_a):
    w = world
    action = inspect(w, w.org_a1, actor=supervisor_a)
    measure = services.add_follow_up(
        action,
        actor=supervisor_a,
        title="协会财务制度不健全",
        source=Source.INSPECTION,
        content="修订财务管理制度",
        deadline=dt.date(2027, 1, 31),
    )
    problem = measure.problem
    assert problem.title == "协会财务制度不健全" and problem.lead_unit == w.org_a1
    assert problem.number == 3  # after the world's two
    assert history(problem).filter(action="problem.create").exists()


def test_only_the_unit_s_supervisors_and_the_office_add_follow_ups(world, supervisor_a):
    w = world
    action = inspect(w, w.bureau_b)
    for who in (supervisor_a, w.leader, w.liaison2):
        with pytest.raises(PermissionRefused):
            services.add_follow_up(
                action, actor=who, problem=w.problem, content="x", deadline=dt.date(2027, 1, 1)
            )
    # the ledger's own rule: a supervisor makes a measure only as a follow-up
    with pytest.raises(PermissionRefused):
        ledger_services.create_measure(
            w.problem, actor=w.supervisor, content="x", responsible_unit=w.bureau_b
        )
    assert not action.follow_ups.exists()


def test_recording_is_for_the_office_and_the_unit_s_supervisors(world, supervisor_a):
    w = world
    assert inspect(w, w.org_a1, actor=supervisor_a).actor == supervisor_a
    assert inspect(w, w.bureau_b, actor=w.office).actor == w.office
    for who in (w.leader, w.viewer, w.liaison, w.group):
        with pytest.raises(PermissionRefused):
            inspect(w, w.bureau_a, actor=who)
    with pytest.raises(PermissionRefused):
        inspect(w, w.bureau_b, actor=supervisor_a)


# --- pages -------------------------------------------------------------------------------------


def test_a_supervisor_records_an_inspection_on_the_page(client, world, supervisor_a):
    w = world
    client.force_login(supervisor_a)
    url = reverse("supervision-action-create", args=["world"])
    page = client.get(url)
    units = {u.pk for u in page.context["form"].fields["target_unit"].queryset}
    assert units == {w.bureau_a.pk, w.org_a1.pk}  # only their subtree is offered
    response = client.post(
        url,
        {
            "kind": SupervisionKind.ONSITE,
            "target_unit": w.org_a1.pk,
            "happened_at": "2026-11-12T09:30",
            "participants": "督查组：王五、赵六",
            "problem": w.problem.pk,
            "content": "现场查看台账，三项措施无佐证材料",
            "outcome": "责令限期补充",
        },
    )
    assert response.status_code == 302
    action = w.campaign.supervision_actions.get()
    assert (action.kind, action.target_unit, action.actor) == ("onsite", w.org_a1, supervisor_a)
    assert action.participants == "督查组：王五、赵六" and action.problem == w.problem
    page = client.get(response["Location"])
    assert "现场查看台账" in page.text and "王五" in page.text
    assert history(action).filter(action="supervision.create").exists()


def test_recording_for_a_unit_outside_the_subtree_is_refused_by_the_form(
    client, world, supervisor_a
):
    client.force_login(supervisor_a)
    response = client.post(
        reverse("supervision-action-create", args=["world"]),
        {
            "kind": "inspection",
            "target_unit": world.bureau_b.pk,
            "happened_at": "2026-11-12T09:30",
            "content": "x",
        },
    )
    assert response.status_code == 400
    assert not world.campaign.supervision_actions.exists()


def test_the_list_is_newest_first_filtered_and_scoped(client, world, supervisor_a):
    w = world
    old = inspect(w, w.bureau_a, happened_at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC))
    new = inspect(
        w,
        w.org_a1,
        kind=SupervisionKind.INTERVIEW,
        happened_at=dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC),
    )
    other = inspect(w, w.bureau_b, happened_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC))
    url = reverse("supervision-action-list", args=["world"])

    def listed(user, **params):
        client.force_login(user)
        response = client.get(url, params)
        assert response.status_code == 200
        return [a.pk for a in response.context["page"].object_list]

    assert listed(w.viewer) == [new.pk, other.pk, old.pk]
    assert listed(supervisor_a) == [new.pk, old.pk]
    assert listed(w.viewer, kind="interview") == [new.pk]
    assert listed(w.viewer, unit=w.bureau_a.pk) == [new.pk, old.pk]
    assert listed(w.viewer, since="2026-10-15", until="2026-11-05") == [other.pk]


def test_a_follow_up_from_the_action_page(client, world):
    w = world
    action = inspect(w, w.bureau_b, content="审批时限仍超过承诺时限")
    client.force_login(w.supervisor)
    detail = reverse("supervision-action-detail", args=["world", action.pk])
    page = client.get(detail)
    assert 'data-testid="follow-up-form"' in page.text
    response = client.post(
        reverse("supervision-follow-up", args=["world", action.pk]),
        {
            "problem": w.problem_b_only.pk,
            "source": "inspection",
            "content": "建立审批时限预警",
            "deadline": "2026-12-20",
            "mode": "phased",
            "responsible_person": "周七",
        },
    )
    assert response.status_code == 302
    (measure,) = action.follow_ups.all()
    assert measure.problem == w.problem_b_only and measure.responsible_person == "周七"
    page = client.get(detail)
    assert "建立审批时限预警" in page.text
    # the measure's page says where it came from
    measure_page = client.get(reverse("measure-detail", args=[measure.pk]))
    assert 'data-testid="measure-origin"' in measure_page.text
    assert detail in measure_page.text


def test_a_follow_up_without_problem_or_title_is_refused(client, world):
    action = inspect(world, world.bureau_b)
    client.force_login(world.office)
    response = client.post(
        reverse("supervision-follow-up", args=["world", action.pk]),
        {"source": "inspection", "content": "x", "deadline": "2026-12-20", "mode": "phased"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-title"' in response.text
    assert not action.follow_ups.exists()


def test_readers_see_no_follow_up_form(client, world):
    action = inspect(world, world.bureau_a)
    client.force_login(world.leader)
    page = client.get(reverse("supervision-action-detail", args=["world", action.pk]))
    assert page.status_code == 200 and "follow-up-form" not in page.text


def test_the_problem_timeline_shows_the_supervision_about_it(client, world):
    w = world
    inspect(w, w.bureau_a, content="巡察发现台账滞后", problem=w.problem)
    inspect(
        w, w.bureau_b, kind=SupervisionKind.INTERVIEW, content="约谈分管负责人", measure=w.measure_b
    )
    follow = inspect(w, w.bureau_b, kind=SupervisionKind.GUIDANCE, content="指导组督导")
    services.add_follow_up(
        follow,
        actor=w.office,
        problem=w.problem,
        content="补充措施",
        deadline=dt.date(2026, 12, 30),
    )
    inspect(w, w.bureau_b, content="别的问题", problem=w.problem_b_only)
    client.force_login(w.viewer)
    page = client.get(reverse("problem-detail", args=["world", w.problem.number]))
    entries = page.context["timeline"]
    texts = " ".join(
        f"{e['action']} {e['target']} " + " ".join(c["after"] for c in e["changes"])
        for e in entries
    )
    for words in ("巡察发现台账滞后", "约谈分管负责人", "指导组督导"):
        assert words in texts, words
    assert "别的问题" not in texts
    # a liaison reads the supervision of their own unit only
    client.force_login(w.liaison)
    page = client.get(reverse("problem-detail", args=["world", w.problem.number]))
    assert "巡察发现台账滞后" in page.text
    assert "约谈分管负责人" not in page.text and "指导组督导" not in page.text
