import pytest

from rectify.consolidation import regrouping
from rectify.feedback.models import FeedbackItem

# Three planted near-duplicate groups and two loners.
OIL = [
    "A区幸福小区楼下餐馆油烟扰民，晚上窗户都不敢开",
    "A区幸福小区楼下餐馆油烟扰民，晚上窗户都不敢开！",
    "反映：A区幸福小区楼下餐馆油烟扰民，晚上窗户都不敢开",
]
ROAD = [
    "B区建设路坑洼不平，下雨天积水严重，出行困难",
    "B区建设路坑洼不平，下雨天积水严重，出行很困难",
]
PENSION = ["养老金认证流程太复杂，老人跑好几趟才办成", "养老金认证流程太复杂，老人要跑好几趟才办成"]
LONERS = ["公园健身器材损坏无人维修", "学校门口早晚高峰交通拥堵"]


def add_items(campaign, texts, **fields):
    return [
        FeedbackItem.objects.create(
            campaign=campaign, kind="problem", channel="symposium", text=t, **fields
        )
        for t in texts
    ]


def make_board(world):
    """The world's campaign with planted feedback, grouped once (inline)."""
    c = world.campaign
    world.oil = add_items(c, OIL)
    world.road = add_items(c, ROAD)
    world.pension = add_items(c, PENSION)
    world.loners = add_items(c, LONERS)
    world.run = regrouping.start_regroup(c, actor=world.office)
    return world


@pytest.fixture
def board(world):
    return make_board(world)


def group_of(run, item):
    return run.groups.get(members__feedback_item=item)
