"""The consolidation board in a real browser: regroup, a suggested group of paraphrases shown
with similarities, merged into a new problem by a person, the problem showing its originals, and
the merge undone."""

import pytest

from rectify.feedback.choices import Channel
from rectify.feedback.items import services
from rectify.ledger.models import Problem, ProblemFeedback
from tests.helpers import log_in

pytestmark = pytest.mark.usefixtures("pinned_today")

SAME = [
    "甲市东城区幸福小区门口的路灯坏了三个月，晚上出行很不安全",
    "甲市东城区幸福小区门口路灯坏了快三个月了，晚上出门很不安全",
    "甲市东城区幸福小区门口的路灯已经坏了三个月，晚上出行很不安全！",
]
OTHER = ["乙县农村低保审批材料太多，群众反复跑腿", "丙区某学校周边早晚高峰交通拥堵严重"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_merge_a_suggested_group_and_undo_it_in_a_real_browser(live_server, page, world):
    for text in SAME + OTHER:
        services.create_feedback(
            world.campaign, actor=world.office, kind="problem", text=text, channel=Channel.HOTLINE
        )
    before = Problem.objects.filter(campaign=world.campaign).count()
    base = live_server.url
    log_in(page, base, "office")
    page.goto(f"{base}/c/{world.campaign.slug}/consolidation/")
    page.click("[data-testid=regroup]")
    page.wait_for_selector("[data-testid=group]")

    group = page.locator("[data-testid=group]").first
    texts = group.locator("[data-testid=member-text]").all_inner_texts()
    assert sorted(texts) == sorted(SAME)  # the paraphrases, and nothing else, largest first
    similarities = [float(s) for s in group.locator("[data-testid=similarity]").all_inner_texts()]
    assert max(similarities) == pytest.approx(1.0) and min(similarities) > 0.5
    assert Problem.objects.filter(campaign=world.campaign).count() == before  # nothing merged yet

    group.locator("input[name=title]").fill("幸福小区门口路灯长期不亮")
    group.locator("[data-testid=accept-new]").click()
    page.wait_for_load_state()
    problem = Problem.objects.get(campaign=world.campaign, title="幸福小区门口路灯长期不亮")
    links = ProblemFeedback.objects.filter(problem=problem).select_related("merged_by")
    assert sorted(link.feedback_item.text for link in links) == sorted(SAME)
    assert {link.merged_by.username for link in links} == {"office"}

    page.goto(f"{base}/c/{world.campaign.slug}/problems/{problem.number}/")
    shown = page.content()
    assert all(text in shown for text in SAME)  # the originals, with who merged them
    assert "3 条，由 office" in page.locator("[data-testid=problem-merges]").inner_text()
    page.locator("[data-testid=undo-form] input[name=reason]").first.fill("误归并")
    page.locator("[data-testid=undo]").first.click()
    page.wait_for_load_state()
    assert not Problem.objects.filter(pk=problem.pk).exists()
    assert not ProblemFeedback.objects.filter(feedback_item__text__in=SAME).exists()
