"""State changes from the measure page: POST flows per persona, refusals shown as messages."""

import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.ledger import services
from rectify.ledger.models import Measure, Verification
from tests.factories import add_evidence
from tests.helpers import attrs, messages_of

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(measure, name):
    return reverse("measure-transition", args=[measure.pk, name])


def post(client, measure, name, **data):
    return client.post(url(measure, name), data, follow=True)


def state_of(measure) -> str:
    return Measure.objects.get(pk=measure.pk).state


def level_of(response) -> list[str]:
    return [a["data-level"] for a in attrs(response, "message")]


@pytest.mark.django_db
def test_the_office_starts_a_measure(client, world):
    client.force_login(world.office)
    response = post(client, world.measure_a, "start", version=1)
    assert response.redirect_chain[-1][0] == reverse("measure-detail", args=[world.measure_a.pk])
    assert state_of(world.measure_a) == "in_progress"
    assert level_of(response) == ["success"]
    assert attrs(response, "state-badge")[0]["data-state"] == "in_progress"
    entry = ActivityLog.objects.get(action="measure.start", target_id=world.measure_a.pk)
    assert entry.actor == world.office


@pytest.mark.django_db
def test_the_whole_flow_by_unit_and_office(client, world):
    m = world.measure_a
    client.force_login(world.liaison)
    post(client, m, "start")
    assert state_of(m) == "in_progress"

    response = post(client, m, "request_closure", reason="已完成")  # no evidence yet
    assert state_of(m) == "in_progress"
    assert level_of(response) == ["error"]
    assert messages_of(response)

    add_evidence(m, world.liaison)
    post(client, m, "request_closure", reason="已完成")
    assert state_of(m) == "closure_requested"

    response = post(client, m, "verify", reason="同意")  # only the office verifies
    assert state_of(m) == "closure_requested"
    assert level_of(response) == ["error"]

    client.force_login(world.office)
    response = post(client, m, "return")  # a return needs a reason
    assert state_of(m) == "closure_requested"
    assert level_of(response) == ["error"]
    post(client, m, "return", reason="材料不全")
    assert state_of(m) == "returned"
    assert Verification.objects.get(measure=m).reason == "材料不全"

    client.force_login(world.liaison)
    post(client, m, "request_closure", reason="已补充")  # evidence from before the return
    assert state_of(m) == "returned"
    add_evidence(m, world.liaison, content=b"more proof")
    post(client, m, "request_closure", reason="已补充")
    client.force_login(world.office)
    post(client, m, "verify", reason="同意销号")
    assert state_of(m) == "closed"
    post(client, m, "reopen", reason="群众再次反映")
    assert state_of(m) == "reopened"
    reasons = set(
        ActivityLog.objects.filter(target_id=m.pk, action__startswith="measure.").values_list(
            "reason", flat=True
        )
    )
    assert {"材料不全", "群众再次反映"} <= reasons


@pytest.mark.django_db
def test_a_liaison_of_another_unit_gets_404(client, world):
    client.force_login(world.liaison2)
    assert client.get(reverse("measure-detail", args=[world.measure_a.pk])).status_code == 404
    assert client.post(url(world.measure_a, "start")).status_code == 404
    assert state_of(world.measure_a) == "draft"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["viewer", "leader", "supervisor", "group"])
def test_readers_may_not_change_state(client, world, persona):
    client.force_login(world.personas[persona])
    assert client.post(url(world.measure_a, "start")).status_code == 403
    assert state_of(world.measure_a) == "draft"


@pytest.mark.django_db
def test_outsiders_get_404(client, world):
    client.force_login(world.outsider)
    assert client.post(url(world.measure_a, "start")).status_code == 404


@pytest.mark.django_db
def test_it_is_post_only(client, world):
    client.force_login(world.office)
    assert client.get(url(world.measure_a, "start")).status_code == 405
    assert state_of(world.measure_a) == "draft"


@pytest.mark.django_db
def test_a_wrong_state_or_unknown_action_is_refused_with_a_message(client, world):
    client.force_login(world.office)
    response = post(client, world.measure_a, "verify")
    assert level_of(response) == ["error"]
    response = post(client, world.measure_a, "explode")
    assert level_of(response) == ["error"]
    assert state_of(world.measure_a) == "draft"


@pytest.mark.django_db
def test_a_stale_page_is_refused(client, world):
    services.start(world.measure_a, actor=world.liaison)  # version 1 → 2 behind the office's back
    client.force_login(world.office)
    response = post(client, world.measure_a, "start", version=1)
    assert level_of(response) == ["error"]
    assert state_of(world.measure_a) == "in_progress"
    assert ActivityLog.objects.filter(action="measure.start").count() == 1


@pytest.mark.django_db
def test_an_overlong_reason_is_refused(client, world):
    client.force_login(world.office)
    response = post(client, world.measure_a, "start", reason="长" * 2001)
    assert level_of(response) == ["error"]
    assert state_of(world.measure_a) == "draft"
