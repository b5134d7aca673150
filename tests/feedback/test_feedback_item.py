import pytest
from django.core.exceptions import ValidationError

from rectify.feedback.models import FeedbackItem
from rectify.textsim.normalise import dedup_key


@pytest.fixture
def item(world):
    return FeedbackItem.objects.create(
        campaign=world.campaign, kind="problem", channel="symposium", text="低保审批\u3000时间过长"
    )


@pytest.mark.django_db
def test_the_duplicate_key_is_kept_with_the_text(item):
    assert item.text_key == dedup_key("低保审批 时间过长")
    assert FeedbackItem.objects.filter(text_key=dedup_key("低保审批  时间过长")).get() == item


@pytest.mark.django_db
def test_the_text_is_kept_as_received(item):
    item.text = "改写后的内容"
    with pytest.raises(ValidationError):
        item.save()
    assert FeedbackItem.objects.get(pk=item.pk).text == "低保审批\u3000时间过长"


@pytest.mark.django_db
def test_triage_fields_can_change(item, world):
    item.region = world.region
    item.save()
    assert FeedbackItem.objects.get(pk=item.pk).region == world.region
