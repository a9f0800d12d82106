"""Background tasks of the documents app (see core/taskqueue.py)."""

from celery import shared_task


@shared_task
def render_version_docx(version_id: int) -> str:
    """Render and store a new version's DOCX after the change that made it commits, so its
    first download is instant. Idempotent: a version already rendered is left alone."""
    from .models import DocumentVersion, RenderedDocument
    from .services import rendered_docx

    if RenderedDocument.objects.filter(version_id=version_id).exists():
        return "ya generado"
    version = DocumentVersion.objects.filter(pk=version_id).select_related("request").first()
    if version is None:
        return "versión inexistente"
    _data, sha = rendered_docx(version)
    return sha


@shared_task
def produce_official_pdf(version_id: int) -> str:
    """The signed PDF of an approved or published version (documents.official). Idempotent:
    a PDF already made, or being made by another worker, is left alone."""
    from .official import produce

    record = produce(version_id)
    return record.status if record is not None else "sin PDF"


@shared_task
def sweep_official_pdfs() -> dict:
    """Periodic: PDFs not made yet, failures due for a retry, abandoned ones."""
    from .official import sweep

    return sweep()
