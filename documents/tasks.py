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
