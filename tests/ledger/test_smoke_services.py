import pytest

from rectify.audit.models import ActivityLog
from rectify.core.errors import TransitionRefused
from rectify.ledger import services
from rectify.ledger.choices import MeasureState
from tests.factories import add_evidence


@pytest.mark.django_db
def test_the_happy_path_logs_every_step(world):
    m = services.start(world.measure_a, actor=world.liaison)
    add_evidence(m, world.liaison)
    m = services.request_closure(m, actor=world.liaison, reason="整改完成")
    m = services.verify(m, actor=world.office, reason="同意销号")
    assert m.state == MeasureState.CLOSED
    actions = list(
        ActivityLog.objects.filter(target_id=m.pk, action__startswith="measure.").values_list(
            "action", flat=True
        )
    )
    assert set(actions) >= {
        "measure.create",
        "measure.start",
        "measure.request_closure",
        "measure.verify",
    }


@pytest.mark.django_db
def test_other_unit_liaison_cannot_start(world):
    with pytest.raises(TransitionRefused):
        services.start(world.measure_a, actor=world.liaison2)
