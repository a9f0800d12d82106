"""Reads for the versions pages: a fixed number of queries each."""

from django.http import Http404

from .models import DocumentVersion


def versions_of(material_request):
    return (
        DocumentVersion.objects.filter(request=material_request)
        .select_related("created_by", "rendered")
        .order_by("-number")
    )


def get_version(material_request, number: int) -> DocumentVersion:
    try:
        return DocumentVersion.objects.select_related("request", "created_by").get(
            request=material_request, number=number
        )
    except DocumentVersion.DoesNotExist as error:
        raise Http404("No existe esa versión del documento.") from error
