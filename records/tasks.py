"""Background tasks of the record pages: the dossiers and exports asked for on a page
(see core/taskqueue.py and core/periodic.py)."""

from celery import shared_task


@shared_task
def build_export(job_id: str) -> str:
    """Build one dossier export job (asked for on a page, stored and audited there)."""
    from .jobs import run_job

    job = run_job(job_id)
    return job.status if job is not None else "ya tomado"


@shared_task
def run_export_jobs() -> int:
    """Periodic: build the jobs a restarted server or a lost message left pending."""
    from .jobs import run_pending

    return run_pending()
