"""The request page's line about its official document (the newest approved or published
version's signed PDF), drawn by the workflows template by name: workflows, below
documents, imports nothing of it."""

from django import template

from documents import official
from documents.models import OFFICIAL_REASONS, DocumentVersion

register = template.Library()


@register.inclusion_tag("documents/_official_summary.html", takes_context=True)
def official_pdf_summary(context, material_request):
    """One query: the newest official version with its PDF's row."""
    version = (
        DocumentVersion.objects.filter(request=material_request, reason__in=OFFICIAL_REASONS)
        .select_related("official")
        .order_by("-number")
        .first()
    )
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "item": material_request,
        "version": version if version is not None and official.is_official(version) else None,
        "record": getattr(version, "official", None) if version is not None else None,
        "may_retry_pdf": user is not None and official.may_retry(user),
        "csrf_token": context.get("csrf_token"),
    }
