"""Editing a measure: the fields each role may change, field-level errors, and the version check."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.core.errors import ConflictError
from rectify.ledger import services
from rectify.ledger.models import Measure
from tests.factories import make_unit

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(measure):
    return reverse("measure-edit", args=[measure.pk])


def office_data(measure, **overrides):
    data = {
        "content": measure.content,
        "responsible_unit": measure.responsible_unit_id,
        "responsible_person": measure.responsible_person,
        "mode": measure.mode,
        "deadline": measure.deadline.isoformat() if measure.deadline else "",
        "version": measure.version,
    }
    data.update(overrides)
    return data


def error_codes(response, field):
    return [e.code for e in response.context["form"].errors.as_data().get(field, [])]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("office", 200),
        ("liaison", 200),
        ("liaison2", 404),
        ("leader", 403),
        ("group", 403),
        ("supervisor", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_who_may_open_the_form(client, world, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(url(world.measure_a)).status_code == status


@pytest.mark.django_db
def test_the_office_edits_every_field_and_the_unit_some(client, world):
    client.force_login(world.office)
    form = client.get(url(world.measure_a)).context["form"]
    assert list(form.fields) == [
        "content",
        "responsible_unit",
        "cooperating_units",
        "responsible_person",
        "responsible_leader",
        "target",
        "remarks",
        "mode",
        "deadline_by",
        "deadline",
        "decided_on",
        "working_days",
        "deadline_reason",
        "version",
    ]
    assert form["version"].value() == world.measure_a.version
    client.force_login(world.liaison)
    form = client.get(url(world.measure_a)).context["form"]
    assert list(form.fields) == ["content", "responsible_person", "remarks", "version"]


@pytest.mark.django_db
def test_the_office_saves_changes(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(
        url(m),
        office_data(
            m,
            content="新的措施",
            deadline="2027-01-15",
            deadline_reason="上级要求统筹推进",
            responsible_unit=world.org_a1.pk,
        ),
    )
    assert response.status_code == 302
    assert response.url == reverse("measure-detail", args=[m.pk])
    m.refresh_from_db()
    assert m.content == "新的措施"
    assert m.deadline == dt.date(2027, 1, 15)
    assert m.responsible_unit == world.org_a1
    assert m.version == 2
    entry = ActivityLog.objects.filter(action="measure.update", target_id=m.pk).get()
    assert entry.actor == world.office
    assert entry.after["content"] == "新的措施"


@pytest.mark.django_db
def test_the_ledger_columns_target_leader_and_remarks_are_kept_shown_and_logged(client, world):
    """整改目标 and 责任领导 are the office's; 备注 the unit may write too."""
    m = world.measure_a
    client.force_login(world.office)
    data = office_data(m, target="制度印发并执行", responsible_leader="王副局长", remarks="已报备")
    assert client.post(url(m), data).status_code == 302
    m.refresh_from_db()
    assert (m.target, m.responsible_leader, m.remarks) == ("制度印发并执行", "王副局长", "已报备")
    page = client.get(reverse("measure-detail", args=[m.pk])).content.decode()
    assert "制度印发并执行" in page and "王副局长" in page and "已报备" in page
    entry = ActivityLog.objects.filter(action="measure.update", target_id=m.pk).get()
    assert entry.after["responsible_leader"] == "王副局长"
    client.force_login(world.liaison)
    data = {"content": m.content, "responsible_person": "", "remarks": "单位补充说明"}
    data |= {"responsible_leader": "李四", "version": m.version}
    assert client.post(url(m), data).status_code == 302
    m.refresh_from_db()
    assert (m.remarks, m.responsible_leader) == ("单位补充说明", "王副局长")


@pytest.mark.django_db
def test_a_liaison_cannot_change_office_fields_by_posting_them(client, world):
    client.force_login(world.liaison)
    m = world.measure_a
    response = client.post(
        url(m),
        office_data(m, content="联络员修改", responsible_person="李四", deadline="2030-01-01"),
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.content, m.responsible_person) == ("联络员修改", "李四")
    assert m.deadline == dt.date(2026, 12, 31)  # not theirs to change: ignored


@pytest.mark.django_db
def test_others_cannot_post_edits(client, world):
    m = world.measure_a
    for persona, status in (("liaison2", 404), ("viewer", 403), ("supervisor", 403)):
        client.force_login(world.personas[persona])
        assert client.post(url(m), office_data(m, content="篡改")).status_code == status
    m.refresh_from_db()
    assert m.content == "清理规范各类考核事项"
    assert m.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"content": ""}, "content", "required"),
        ({"content": "   "}, "content", "required"),
        ({"content": "长" * 2001}, "content", "max_length"),
        ({"deadline": ""}, "deadline", "required"),  # phased needs a deadline
        ({"deadline": "2026-02-30"}, "deadline", "invalid"),
        ({"deadline": "2025-12-31"}, "deadline", "before_start"),
        ({"mode": "someday"}, "mode", "invalid_choice"),
        ({"responsible_person": "人" * 51}, "responsible_person", "max_length"),
        ({"responsible_unit": "999999"}, "responsible_unit", "invalid_choice"),
    ],
)
def test_bad_data_gets_field_errors_and_saves_nothing(client, world, overrides, field, code):
    world.campaign.starts_on = dt.date(2026, 1, 1)
    world.campaign.save()
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(url(m), office_data(m, **overrides))
    assert response.status_code == 200
    assert code in error_codes(response, field)
    assert f'data-testid="error-{field}"'.encode() in response.content
    m.refresh_from_db()
    assert m.content == "清理规范各类考核事项" and m.version == 1


@pytest.mark.django_db
def test_a_unit_outside_the_campaign_is_refused(client, world):
    stranger = make_unit("无关单位")
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(url(m), office_data(m, responsible_unit=stranger.pk))
    assert "invalid_choice" in error_codes(response, "responsible_unit")


@pytest.mark.django_db
def test_a_long_term_measure_may_have_no_deadline(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(
        url(m), office_data(m, mode="long_term", deadline="", deadline_reason="转为长期坚持")
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.mode, m.deadline) == ("long_term", None)


@pytest.mark.django_db
def test_a_concurrent_edit_is_detected_and_nothing_is_overwritten(client, world):
    client.force_login(world.office)
    m = world.measure_a
    form = client.get(url(m)).context["form"]
    seen_version = form["version"].value()

    # meanwhile the liaison changes the measure
    services.update_measure(
        Measure.objects.get(pk=m.pk),
        actor=world.liaison,
        expected_version=seen_version,
        content="联络员先改了",
    )

    response = client.post(url(m), office_data(m, content="办公室后改的", version=seen_version))
    assert response.status_code == 409
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert b'data-testid="form-errors"' in response.content
    assert "联络员先改了".encode() in response.content  # the current values are shown
    m.refresh_from_db()
    assert m.content == "联络员先改了"
    assert m.version == seen_version + 1
    assert ActivityLog.objects.filter(action="measure.update", target_id=m.pk).count() == 1

    # the message is the service's own
    with pytest.raises(ConflictError) as refused:
        services.update_measure(m, actor=world.office, expected_version=seen_version)
    assert errors[0] == str(refused.value.message)


@pytest.mark.django_db
def test_submitting_without_changes_keeps_the_version(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(url(m), office_data(m))
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.version == 1
