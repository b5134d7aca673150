"""The one timeline renderer shows every logged value as its reader should read it (defect 7):
choices by their labels, units by their names, feedback items counted (their text is not for
every reader), keys that are not fields by their registered labels, in both languages."""

import pytest
from django.utils import translation

from rectify.audit.timeline import timeline
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import Difficulty, Nature


def changes(entry) -> dict:
    return {str(c["field"]): (c["before"], c["after"]) for c in entry["changes"]}


@pytest.mark.django_db
def test_choices_units_and_merged_items_are_shown_as_labels(world):
    services.update_problem(
        world.problem,
        actor=world.office,
        nature=Nature.SYSTEM,
        difficulty=Difficulty.MEDIUM,
        lead_unit=world.bureau_a,
    )
    item = FeedbackItem.objects.create(
        campaign=world.campaign,
        kind=FeedbackKind.PROBLEM,
        text="表格太多",
        channel=Channel.PUBLIC_PAGE,
    )
    services.merge_feedback(world.problem, [item], actor=world.office)
    with translation.override("zh-hans"):
        merge, edit = timeline([world.problem])[:2]
        assert str(merge["action"]) == "将反馈条目归并到问题"
        assert list(changes(merge).values()) == [("—", "1 条")]
        shown = changes(edit)
        assert shown["问题性质"] == ("—", "制度机制")
        assert shown["整改难度"] == ("—", "中")
        assert shown["牵头单位"] == ("—", "甲省民政厅")
        assert "表格太多" not in repr(timeline([world.problem]))
    with translation.override("en"):
        edit = timeline([world.problem])[1]
        assert str(edit["action"]) == "edited the problem"
        assert changes(edit)["nature"] == ("—", "Rules and mechanisms")


@pytest.mark.django_db
def test_a_key_that_is_not_a_field_has_its_label(world):
    from rectify.audit.log import record

    item = FeedbackItem.objects.create(
        campaign=world.campaign,
        kind=FeedbackKind.PROBLEM,
        text="路灯不亮",
        channel=Channel.PUBLIC_PAGE,
    )
    from django.db import transaction

    with transaction.atomic():
        record(
            item, "feedback.create", after={"source": "8fa540e71f355f8c", "channel": "public_page"}
        )
    with translation.override("zh-hans"):
        (entry,) = timeline([item])
    shown = changes(entry)
    assert "source" not in shown
    assert shown["渠道"] == ("—", "群众反映页面")
    assert any("地址" in label for label in shown)
