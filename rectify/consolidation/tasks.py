"""Background work of the consolidation board, run by the worker (`rectify db_worker`)."""

from django_tasks import task

from rectify.consolidation.models import Run


@task()
def regroup(run_id: int) -> dict:
    """Group a campaign's unmerged feedback (services.run_regroup); the run records progress."""
    from rectify.consolidation import services

    run = services.run_regroup(Run.objects.select_related("campaign").get(pk=run_id))
    return {"status": run.status, "groups": run.group_count, "items": run.total}
