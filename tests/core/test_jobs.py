"""The one staleness rule of long-running jobs (core/jobs.py), for imports and regroupings."""

import datetime as dt

import pytest
from django.utils import timezone

from rectify.consolidation.models import Run
from rectify.feedback.models import ImportBatch


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "running", "finished"),
    [
        (Run, Run.Status.RUNNING, Run.Status.DONE),
        (ImportBatch, ImportBatch.Status.SAVING, ImportBatch.Status.DONE),
    ],
)
def test_a_running_job_silent_longer_than_the_limit_is_stale(model, running, finished, world):
    job = model(campaign=world.campaign, status=running)
    now = timezone.now()
    job.created_at = job.started_at = now - dt.timedelta(hours=1)
    job.heartbeat_at = now - model.STALE_AFTER + dt.timedelta(seconds=30)
    assert job.is_running and not job.is_stale
    job.heartbeat_at = now - model.STALE_AFTER - dt.timedelta(seconds=30)
    assert job.is_stale
    job.status = finished
    assert not job.is_running and not job.is_stale
