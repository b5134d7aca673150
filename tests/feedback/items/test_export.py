"""Export of feedback (filtered) to xlsx and csv, and the round trip: export → import into
another campaign gives the same items; into the same campaign, nothing new."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rectify.feedback.imports.batches import create_batch
from rectify.feedback.imports.running import run
from rectify.feedback.items import exporting
from rectify.feedback.models import FeedbackItem
from rectify.orgs.models import Region
from tests.core.spreadsheets import messy
from tests.factories import grant, make_campaign

TZ = timezone.get_default_timezone()
HOSTILE = [
    '=HYPERLINK("http://example.com","点我")',
    "'-5 开头带撇号",
    "+86 热线反映",
    "@某某 请回复",
    "\u3000\u3000首行缩进的正文\n第二段\t有制表符\r\n第三段",
    "字面量 _x000D_ 也保留",
    "长" * 5000,
]


def make_items(campaign, office):
    guangdong = Region.objects.get_or_create(
        code="440000", defaults={"name": "广东省", "short_name": "广东"}
    )[0]
    beijing = Region.objects.get(code="110000")
    items = []
    for i, text in enumerate(HOSTILE):
        items.append(
            FeedbackItem.objects.create(
                campaign=campaign,
                kind="problem" if i % 2 else "suggestion",
                channel=["symposium", "public_page", "hotline", "letter"][i % 4],
                title=f"标题{i}" if i % 3 else "",
                text=text,
                region=[beijing, guangdong, None][i % 3],
                received_at=dt.datetime(2019, 7, 28 + i % 3, 9, i, 30, 123456, tzinfo=TZ),
                external_id=f"EX-{i}" if i % 2 else "",
                submitter_name="张三" if i % 2 else "",
                submitter_contact="13800000000",
                created_by=office,
            )
        )
    return items


def signature(campaign):
    return sorted(
        (
            i.text,
            i.kind,
            i.channel,
            i.title,
            i.region.code if i.region else None,
            i.received_at.astimezone(TZ).replace(microsecond=0),
            i.external_id,
            i.submitter_name,
        )
        for i in FeedbackItem.objects.filter(campaign=campaign).select_related("region")
    )


@pytest.fixture
def other_campaign(world):
    campaign = make_campaign(world.ministry, slug="other")
    grant(world.office, campaign, "office")
    return campaign


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.django_db
def test_export_then_import_gives_the_same_items(world, other_campaign, tmp_path, fmt):
    make_items(world.campaign, world.office)
    imported = messy.plain_xlsx(tmp_path / "a.xlsx", messy.feedback_rows(20))
    run(create_batch(world.campaign, imported, actor=world.office, defaults={}))
    out = tmp_path / f"export.{fmt}"
    n = exporting.export(
        FeedbackItem.objects.filter(campaign=world.campaign),
        out,
        reader=world.office,
        campaign=world.campaign,
        format=fmt,
        contact=False,
    )
    assert n == 27

    batch = create_batch(other_campaign, out, actor=world.office)
    assert set(batch.columns) == {
        "external_id",
        "kind",
        "title",
        "text",
        "region",
        "channel",
        "received_at",
        "submitter",
        "org_unit",
    }  # 类别 too once the campaign has categories
    report = run(batch)
    assert report.summary == "read 27, imported 27, already present 0, refused 0"
    assert signature(other_campaign) == signature(world.campaign)

    # Into the campaign it came from: every row is already there.
    again = run(create_batch(world.campaign, out, actor=world.office))
    assert again.summary == "read 27, imported 0, already present 27, refused 0"


@pytest.mark.django_db
def test_csv_is_utf8_with_bom_and_formulas_stay_text(world, tmp_path):
    make_items(world.campaign, world.office)
    out = tmp_path / "e.csv"
    cols = exporting.columns_for(world.office, world.campaign, contact=False)
    exporting.write_csv(FeedbackItem.objects.filter(campaign=world.campaign), out, cols)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "编号,类型,标题,内容,地区,渠道,接收时间,提交人,类别,涉及单位"
    assert "'=HYPERLINK" in text and "'+86" in text and "'@某某" in text and "''-5" in text
    assert "13800000000" not in text  # contact details only when asked


@pytest.mark.django_db
def test_xlsx_writes_text_as_text_and_dates_as_dates(world, tmp_path):
    import python_calamine

    make_items(world.campaign, world.office)
    out = tmp_path / "e.xlsx"
    exporting.write_xlsx(
        FeedbackItem.objects.filter(campaign=world.campaign), out, list(exporting.COLUMNS)
    )
    rows = list(
        python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).iter_rows()
    )
    assert rows[0][8] == "联系方式" and rows[1][8] == "13800000000"
    first = rows[1]
    assert first[3] == HOSTILE[0]  # not a formula, not prefixed
    assert first[6].replace(tzinfo=TZ) == dt.datetime(2019, 7, 28, 9, 0, 30, tzinfo=TZ)  # local


@pytest.mark.django_db
def test_filters(world):
    make_items(world.campaign, world.office)
    all_items = FeedbackItem.objects.filter(campaign=world.campaign)

    def count(**kw):
        return exporting.filter_feedback(all_items, **kw).count()

    assert count() == 7
    assert count(kind="problem") == 3
    assert count(channel="public_page") == 2
    assert count(region="440000") == 2
    assert count(region=Region.objects.get(code="110000")) == 3
    assert count(received_from=dt.date(2019, 7, 29)) == 4
    assert count(received_to=dt.date(2019, 7, 28)) == 3
    assert count(received_from=dt.date(2019, 7, 29), received_to=dt.date(2019, 7, 29)) == 2


@pytest.mark.django_db
def test_the_export_command(world, tmp_path):
    make_items(world.campaign, world.office)
    out = StringIO()
    path = tmp_path / "x.csv"
    call_command(
        "export-feedback", "--campaign=world", "-o", str(path), "--kind=problem", stdout=out
    )
    assert out.getvalue().strip().splitlines()[-1] == "exported 3"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    call_command("export-feedback", "--campaign=world", f"-o={tmp_path / 'y.xlsx'}", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "exported 7"
    call_command(
        "export-feedback",
        "--campaign=world",
        "--user=liaison",
        f"-o={tmp_path / 'z.xlsx'}",
        stdout=out,
    )
    assert out.getvalue().strip().splitlines()[-1] == "exported 0"  # liaisons see no feedback
    with pytest.raises(CommandError):
        call_command(
            "export-feedback",
            "--campaign=world",
            "--user=viewer",
            "--with-contact",
            f"-o={tmp_path / 'c.xlsx'}",
            stdout=out,
        )
    with pytest.raises(CommandError):
        call_command("export-feedback", "--campaign=nowhere", "-o=x.xlsx", stdout=out)
