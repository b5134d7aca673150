"""The background worker finds the import tasks where they are declared (imports/running.py,
beside the functions they run) and runs a queued batch: `rectify db_worker` as deployed."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from rectify.feedback.imports.batches import create_batch
from rectify.feedback.imports.running import enqueue, import_batch, validate_batch
from rectify.feedback.models import FeedbackItem, ImportBatch
from tests.core.spreadsheets import messy


def test_the_tasks_are_named_by_the_module_of_the_functions_they_run():
    assert import_batch.module_path == "rectify.feedback.imports.running.import_batch"
    assert validate_batch.module_path == "rectify.feedback.imports.running.validate_batch"


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_is_run_by_the_database_worker(world, tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    texts = [[f"路灯不亮第{i}处，请尽快修复"] for i in range(4)]
    path = messy.write_csv(tmp_path / "a.csv", texts, headers=["内容"])
    batch = create_batch(world.campaign, path, actor=world.office, defaults={"kind": "problem"})
    enqueue(batch)  # outside a transaction: queued at once
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "rectify.feedback.imports.running.import_batch"

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert FeedbackItem.objects.filter(import_batch=batch).count() == 4
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
