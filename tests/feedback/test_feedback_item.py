from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

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


# --- the duplicate keys, whichever way an item comes in ---------------------------------------


@pytest.fixture
def every_path(world, tmp_path):
    """One item (with a submitter's name) made by each way in: the service, the multi-row entry,
    the public page, a spreadsheet import, and a bulk insert."""
    from rectify.feedback.imports.batches import create_batch
    from rectify.feedback.imports.running import run
    from rectify.feedback.items import entry, services
    from rectify.feedback.public import services as public
    from tests.core.spreadsheets import messy

    campaign = world.campaign
    made = {
        "service": services.create_feedback(
            campaign,
            actor=world.office,
            kind="problem",
            text="低保审批时间过长",
            channel="symposium",
            submitter_name="张三",
        ),
        "entry": entry.create_many(
            campaign,
            actor=world.office,
            rows=[{"kind": "suggestion", "text": "建议公开办理进度", "channel": "interview"}],
        )[0],
    }
    public.set_public_intake(campaign, actor=world.office, enabled=True)
    made["public"] = public.submit_public(
        campaign, text="小区路灯坏了三个月", kind="problem", name="李四", ip="192.0.2.1"
    )
    path = messy.write_csv(
        tmp_path / "a.csv",
        [
            ["社保转移手续繁琐", "问题", "王五", "2019-07-28 10:05"],
            ["井盖缺失", "问题", "赵六", ""],
        ],
        headers=["内容", "类型", "提交人", "时间"],
    )
    run(create_batch(campaign, path, actor=world.office))
    made["import"] = FeedbackItem.objects.get(text="社保转移手续繁琐")
    made["import, no date"] = FeedbackItem.objects.get(text="井盖缺失")
    bulk = FeedbackItem(
        campaign=campaign,
        kind="problem",
        channel="letter",
        text="来信反映噪声扰民",
        submitter_name="刘女士",
    )
    bulk.set_keys()
    FeedbackItem.objects.bulk_create([bulk])
    made["bulk"] = FeedbackItem.objects.get(text="来信反映噪声扰民")
    return made


@pytest.mark.django_db
def test_items_made_by_every_path_carry_both_keys(every_path):
    for path, item in every_path.items():
        item.refresh_from_db()
        received = None if path == "import, no date" else item.received_at  # as in the file
        expected = FeedbackItem.duplicate_keys(item.text, received, item.submitter_name)
        assert (item.text_key, item.row_fingerprint) == expected, path
        assert item.text_key and item.row_fingerprint, path


@pytest.mark.django_db
def test_a_fingerprint_is_kept_once_set(every_path):
    """The undated row's fingerprint is the file's (no day), also after the item is saved."""
    item = every_path["import, no date"]
    kept = item.row_fingerprint
    item.save()
    item.refresh_from_db()
    assert item.row_fingerprint == kept
    assert kept != FeedbackItem.duplicate_keys(item.text, item.received_at, item.submitter_name)[1]


@pytest.mark.django_db
def test_an_export_imported_back_into_the_campaign_adds_nothing(every_path, world, tmp_path):
    out = tmp_path / "export.xlsx"
    call_command("export-feedback", "--campaign", world.campaign.slug, "-o", str(out))
    before = FeedbackItem.objects.count()
    stdout = StringIO()
    call_command("import", str(out), "--campaign", world.campaign.slug, stdout=stdout)
    assert FeedbackItem.objects.count() == before
    assert stdout.getvalue().splitlines()[-1].startswith(f"read {before}, imported 0")
