"""Reads for the versions pages: a fixed number of queries each."""

from django.http import Http404
from django.urls import reverse

from workflows.models import Decision

from .models import DocumentVersion, Reason

# What the review shows as a picture (thumbnails through the attachment's download).
SHOWN_AS_IMAGE = frozenset({"image/png", "image/jpeg"})


def versions_of(material_request):
    return (
        DocumentVersion.objects.filter(request=material_request)
        .select_related("created_by", "rendered", "official")
        .order_by("-number")
    )


def get_version(material_request, number: int) -> DocumentVersion:
    try:
        return DocumentVersion.objects.select_related("request", "created_by").get(
            request=material_request, number=number
        )
    except DocumentVersion.DoesNotExist as error:
        raise Http404("No existe esa versión del documento.") from error


# The gerente's decisions whose version an approver has seen: what the next approval is
# compared with.
SEEN_BY_APPROVER = ("approve", "return")


def review_versions(material_request) -> tuple[DocumentVersion | None, DocumentVersion | None]:
    """The version being decided (the newest) and the one to compare it with: the newest
    version an approver decided on before it (approved or returned), else the last one
    submitted before it; None for either when there is none. At most three queries."""
    current = (
        DocumentVersion.objects.filter(request=material_request)
        .select_related("created_by")
        .order_by("-number")
        .first()
    )
    if current is None:
        return None, None
    seen = (
        Decision.objects.filter(
            request=material_request,
            action__in=SEEN_BY_APPROVER,
            version_number__isnull=False,
            version_number__lt=current.number,
        )
        .order_by("-version_number")
        .values_list("version_number", flat=True)
        .first()
    )
    base = DocumentVersion.objects.filter(request=material_request, number__lt=current.number).select_related(
        "created_by"
    )
    base = base.filter(number=seen) if seen else base.filter(reason=Reason.SUBMIT).order_by("-number")
    return current, base.first()


def review_attachments(material_request, version) -> list[dict]:
    """The version's attachments, each with the address of the request's file when it is
    still the same one (same stored file, same SHA-256), and whether to show it as an image.
    One query."""
    frozen = version.snapshot.get("content", {}).get("attachments", [])
    stored = {
        (name, sha): pk
        for name, sha, pk in material_request.attachments.filter(
            file__in=[item.get("file", "") for item in frozen]
        ).values_list("file", "sha256", "pk")
    }
    rows = []
    for item in frozen:
        pk = stored.get((item.get("file", ""), item.get("sha256", "")))
        url = reverse("workflows:attachment_download", args=[material_request.pk, pk]) if pk else ""
        rows.append(
            {
                "name": item.get("name", ""),
                "sha256": item.get("sha256", ""),
                "size": item.get("size") or 0,
                "url": url,
                "image": bool(url) and item.get("content_type") in SHOWN_AS_IMAGE,
            }
        )
    return rows
