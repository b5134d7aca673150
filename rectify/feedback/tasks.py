"""Background work of the feedback app, run by the worker (`rectify db_worker`)."""

from django_tasks import task

from rectify.feedback.models import ImportBatch


@task()
def import_batch(batch_id: int) -> dict:
    """Import a stored batch (importing.run); the batch records progress and the outcome."""
    from rectify.feedback import importing

    report = importing.run(ImportBatch.objects.get(pk=batch_id))
    return {"status": report.status, "summary": report.summary}


@task()
def validate_batch(batch_id: int) -> dict:
    """Check every row of a stored batch without importing (importing.validate)."""
    from rectify.feedback import importing

    report = importing.validate(ImportBatch.objects.get(pk=batch_id))
    return {"status": report.status, "summary": report.summary}
