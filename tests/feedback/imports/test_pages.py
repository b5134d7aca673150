"""The import pages: upload → columns with a preview → every row checked → import the good rows
or nothing → undo; the report download; the progress of a background import; who may."""

import io

import pytest
import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.feedback.imports.running import enqueue
from rectify.feedback.models import ColumnMapping, FeedbackItem, ImportBatch
from rectify.ledger import services as ledger
from tests.core.spreadsheets import messy

pytestmark = pytest.mark.django_db


def upload(client, world, path, name=None):
    data = path.read_bytes()
    return client.post(
        reverse("import-upload", args=[world.campaign.slug]),
        {"file": SimpleUploadedFile(name or path.name, data)},
    )


def map_url(world):
    return reverse("import-map", args=[world.campaign.slug])


def confirm(client, world, **fields):
    """Post the mapping form with the suggested columns (read back from the page) plus
    `fields`, as a browser would."""
    page = client.get(map_url(world))
    form = page.context["form"]
    data = {"mapped": "1", "sheet": page.context["preview"].sheet, "header_rows": ""}
    for bound in form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
    data.update(fields)
    return client.post(map_url(world), data)


def items(world):
    return FeedbackItem.objects.filter(campaign=world.campaign)


@pytest.fixture
def office(client, world):
    client.force_login(world.office)
    return client


def test_the_whole_flow_with_a_messy_workbook(office, world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "广东省反馈.xlsx")
    response = upload(office, world, path)
    assert response.status_code == 302 and response["Location"] == map_url(world)

    page = office.get(map_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert "广东省反馈.xlsx" in html and "汇总" in html
    # The two-row header was read and the columns suggested from it.
    form = page.context["form"]
    assert form["col_text"].value() == "反映内容"
    assert form["col_external_id"].value() == "编号"
    # No kind column and no default: the page says so, before any row is shown.
    assert page.context["error"] and not page.context["rows"]
    # Choosing a kind refreshes the preview (htmx sends the form on each change).
    data = {"mapped": "1", "sheet": "汇总", "default_kind": "problem"}
    data.update({f.html_name: f.value() or "" for f in form.column_fields()})
    partial = office.get(map_url(world), data, headers={"HX-Request": "true"})
    assert partial.templates[0].name == "feedback/_import_preview.html"
    assert not partial.context["error"]
    # The parsed values: row 6's serial date and full-width id, row 9's unknown region.
    rows = {r["row"]: r for r in partial.context["rows"]}
    assert sorted(rows)[:3] == [4, 6, 7]
    assert "2019-07-28" in " ".join(c["value"] for c in rows[6]["cells"])
    assert "A-2" in [c["value"] for c in rows[6]["cells"]]
    assert rows[9]["bad"] and any("火星" in c["raw"] and c["problem"] for c in rows[9]["cells"])

    response = confirm(office, world, default_kind="problem", save_as="广东省厅")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "import-detail", args=[batch.pk]
    )
    # Small file: checked within the request; nothing imported yet.
    assert batch.status == ImportBatch.Status.VALIDATED
    assert (batch.rows_read, batch.rows_refused) == (8, 3)
    assert not items(world).exists()
    assert ColumnMapping.objects.filter(campaign=world.campaign, name="广东省厅").exists()

    detail = office.get(response["Location"])
    html = detail.content.decode()
    assert detail.context["may_import"]
    assert "火星" in html and "2019-02-30" in html  # each refused cell is named with its value
    assert "广东省反馈.xlsx，工作表汇总，第9行，E（地区）列" in html

    report = office.get(reverse("import-report", args=[batch.pk]))
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report)))
    cells = book.get_sheet_by_index(0).to_python()
    assert len(cells) == 1 + 3  # header + one line per refused cell
    assert {str(int(r[2])) if isinstance(r[2], float) else str(r[2]) for r in cells[1:]} == {
        "9",
        "10",
        "11",
    }

    response = office.post(reverse("import-run", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.rows_imported == 5
    assert items(world).count() == 5
    done = office.get(reverse("import-detail", args=[batch.pk]))
    assert done.context["may_undo"] and 'data-testid="undo"' in done.content.decode()
    again = office.post(reverse("import-run", args=[batch.pk]), follow=True)
    assert "已导入" in again.content.decode()  # refused: the batch is imported already
    assert items(world).count() == 5

    office.post(reverse("import-undo", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE and not items(world).exists()
    assert ActivityLog.objects.filter(action="feedback.import_undo").count() == 1


def test_import_nothing_leaves_the_campaign_as_it_was(office, world, tmp_path):
    upload(office, world, messy.messy_xlsx(tmp_path / "a.xlsx"))
    confirm(office, world, default_kind="problem")
    batch = ImportBatch.objects.get()
    detail = office.get(reverse("import-detail", args=[batch.pk]))
    listing_url = reverse("import-list", args=[world.campaign.slug])
    assert f'href="{listing_url}" data-testid="import-nothing"' in detail.content.decode()
    listing = office.get(listing_url)
    assert "a.xlsx" in listing.content.decode() and not items(world).exists()


def test_the_next_file_from_the_same_bureau_maps_itself(office, world, tmp_path):
    rows = messy.feedback_rows(4)
    upload(office, world, messy.gbk_csv(tmp_path / "一月.csv", rows))
    page = office.get(map_url(world))
    # The GBK csv was read and its columns suggested (kind included).
    assert page.context["form"]["col_text"].value()
    confirm(office, world, col_title="", save_as="甲省厅")
    upload(office, world, messy.gbk_csv(tmp_path / "二月.csv", messy.feedback_rows(3, seed=5)))
    page = office.get(map_url(world))
    assert page.context["preview"].saved_mapping.name == "甲省厅"
    assert not page.context["form"]["col_title"].value()  # the title left out, as saved
    assert "甲省厅" in page.content.decode()


def test_a_file_without_new_rows_says_so_and_offers_nothing_to_import(office, world, tmp_path):
    path = messy.bom_csv(tmp_path / "a.csv", messy.feedback_rows(3))
    upload(office, world, path)
    confirm(office, world)
    first = ImportBatch.objects.get()
    office.post(reverse("import-run", args=[first.pk]))
    assert items(world).count() == 3
    upload(office, world, path)
    confirm(office, world)
    again = ImportBatch.objects.exclude(pk=first.pk).get()
    assert (again.rows_read, again.rows_present) == (3, 3)
    detail = office.get(reverse("import-detail", args=[again.pk]))
    assert not detail.context["may_import"]
    assert 'data-testid="nothing-to-import"' in detail.content.decode()


@pytest.mark.parametrize(
    "make, words",
    [
        (messy.empty_file, "a.xlsx"),
        (messy.corrupt_xlsx, "a.xlsx"),
        (messy.pdf_file, "a.xlsx"),
    ],
)
def test_unreadable_files_are_refused_with_their_name(office, world, tmp_path, make, words):
    path = make(tmp_path / "src")
    response = office.post(
        reverse("import-upload", args=[world.campaign.slug]),
        {"file": SimpleUploadedFile("a.xlsx", path.read_bytes())},
        follow=True,
    )
    html = response.content.decode()
    assert words in html
    assert not ImportBatch.objects.exists()
    assert response.redirect_chain == [] or response.redirect_chain[-1][0].endswith("/new/")


def test_a_file_over_the_limit_is_refused_before_anything_is_stored(office, world, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = office.post(
        reverse("import-upload", args=[world.campaign.slug]),
        {"file": SimpleUploadedFile("big.csv", b"x" * 101)},
    )
    assert response.status_code == 400
    assert "big.csv" in response.content.decode()
    assert office.get(map_url(world)).status_code == 302  # nothing staged


def test_hostile_cells_are_inert_in_the_preview_and_the_report(office, world, tmp_path):
    rows = messy.feedback_rows(2)
    rows[0][3] = "<script>alert(1)</script>路灯不亮"
    upload(office, world, messy.plain_xlsx(tmp_path / "x.xlsx", rows))
    html = office.get(map_url(world)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮" in html


def test_large_files_go_to_the_worker_and_show_a_progress_bar(
    office, world, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_ROWS = 2
    upload(office, world, messy.bom_csv(tmp_path / "a.csv", messy.feedback_rows(5)))
    confirm(office, world)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PENDING  # queued, not checked in the request
    page = office.get(reverse("import-detail", args=[batch.pk]))
    html = page.content.decode()
    assert 'data-testid="progress"' in html and "every 1s" in html
    poll = office.get(reverse("import-progress", args=[batch.pk]) + "?was=pending")
    assert poll.status_code == 200 and "HX-Refresh" not in poll

    # The worker (run here in-process) checks the batch; the next poll reloads the page.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(batch, validate_only=True)
    poll = office.get(reverse("import-progress", args=[batch.pk]) + "?was=pending")
    assert poll["HX-Refresh"] == "true"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED and batch.rows_read == 5

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    office.post(reverse("import-run", args=[batch.pk]))
    batch.refresh_from_db()
    # Queued for the worker: the page shows the progress bar, not the choice again.
    assert batch.status == ImportBatch.Status.PENDING
    page = office.get(reverse("import-detail", args=[batch.pk]))
    assert page.context["running"] and not page.context["may_import"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and items(world).count() == 5


def test_undo_is_refused_once_an_item_is_merged(office, world, tmp_path):
    upload(office, world, messy.bom_csv(tmp_path / "a.csv", messy.feedback_rows(3)))
    confirm(office, world)
    batch = ImportBatch.objects.get()
    office.post(reverse("import-run", args=[batch.pk]))
    ledger.merge_feedback(world.problem, [items(world).first()], actor=world.office)
    response = office.post(reverse("import-undo", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and items(world).count() == 3
    assert str(world.problem.number) in response.content.decode()


@pytest.mark.parametrize("persona", ["leader", "liaison", "supervisor", "viewer"])
def test_only_the_office_and_work_groups_import(client, world, tmp_path, persona):
    client.force_login(world.personas[persona])
    slug = world.campaign.slug
    assert client.get(reverse("import-list", args=[slug])).status_code == 403
    assert client.get(reverse("import-upload", args=[slug])).status_code == 403
    feedback = client.get(reverse("feedback-list", args=[slug]))
    assert 'data-testid="imports"' not in feedback.content.decode()


def test_a_work_group_member_sees_only_their_own_batches(client, world, tmp_path):
    client.force_login(world.office)
    upload(client, world, messy.bom_csv(tmp_path / "office.csv", messy.feedback_rows(2)))
    confirm(client, world)
    office_batch = ImportBatch.objects.get()
    client.force_login(world.group)
    upload(client, world, messy.bom_csv(tmp_path / "group.csv", messy.feedback_rows(2, seed=3)))
    confirm(client, world)
    listing = client.get(reverse("import-list", args=[world.campaign.slug])).content.decode()
    assert "group.csv" in listing and "office.csv" not in listing
    assert client.get(reverse("import-detail", args=[office_batch.pk])).status_code == 404
    assert client.post(reverse("import-undo", args=[office_batch.pk])).status_code == 404
    client.force_login(world.outsider)
    assert client.get(reverse("import-detail", args=[office_batch.pk])).status_code == 404


def test_export_follows_the_filter_and_imports_back(office, world, tmp_path):
    from rectify.feedback.items import services

    for text, kind in (("路灯不亮", "problem"), ("建议增加公交线路", "suggestion")):
        services.create_feedback(
            world.campaign, actor=world.office, text=text, kind=kind, channel="symposium"
        )
    url = reverse("feedback-export", args=[world.campaign.slug])
    response = office.get(url, {"format": "csv", "kind": "suggestion"})
    data = b"".join(response).decode("utf-8-sig")
    assert "建议增加公交线路" in data and "路灯不亮" not in data
    xlsx = office.get(url, {"format": "xlsx"})
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(xlsx))
    upload(office, world, path)
    confirm(office, world)
    batch = ImportBatch.objects.get()
    assert (batch.rows_read, batch.rows_present, batch.rows_refused) == (2, 2, 0)


def test_an_imported_item_close_to_an_existing_problem_is_flagged(office, world, tmp_path):
    from rectify.ledger.choices import Source

    problem = ledger.create_problem(
        world.campaign,
        actor=world.office,
        title="社区养老服务站长期无人值守",
        description="甲市某区多个社区养老服务站长期无人值守，老人无处就餐",
        source=Source.GRASSROOTS,
    )
    rows = messy.feedback_rows(2)
    rows[0][3] = "甲市某区多个社区养老服务站长期无人值守，老人无处吃饭"
    upload(office, world, messy.bom_csv(tmp_path / "a.csv", rows))
    confirm(office, world)
    office.post(reverse("import-run", args=[ImportBatch.objects.get().pk]))
    flagged = items(world).get(text=rows[0][3])
    assert flagged.near_problem == problem and flagged.near_similarity > 0.5
    assert items(world).exclude(pk=flagged.pk).get().near_problem is None
