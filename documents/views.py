"""Versions of a request's document: the list, each version's DOCX, their comparison, and
what an approver decides on (a fragment for the decision dialogs).

Every page first asks whether the user may see the request: 404 otherwise, whether
it exists or not."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import selectors as request_selectors
from workflows.exceptions import WorkflowError

from . import comparison, official, selectors
from .services import docx_filename, download_docx
from .snapshots import state_label

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def version_list(request, pk):
    material_request = request_selectors.get_visible_request(request.user, pk)
    versions = list(selectors.versions_of(material_request))
    rows = [
        {
            "version": version,
            "state_label": state_label(material_request.kind, version.state),
            "official": getattr(version, "official", None),
            "is_official": official.is_official(version),
        }
        for version in versions
    ]
    return render(
        request,
        "documents/version_list.html",
        {
            "material_request": material_request,
            "rows": rows,
            "numbers": [version.number for version in versions],
            "may_retry_pdf": official.may_retry(request.user),
        },
    )


@login_required
def version_docx(request, pk, number):
    material_request = request_selectors.get_visible_request(request.user, pk)
    version = selectors.get_version(material_request, number)
    data, sha = download_docx(request.user, version)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{docx_filename(version)}"'
    response["X-Content-SHA256"] = sha
    response["Cache-Control"] = "private, no-store"
    return response


PDF_TYPE = "application/pdf"


@login_required
def version_pdf(request, pk, number):
    """The version's signed PDF, for whoever may see the request (404 otherwise); audited."""
    material_request = request_selectors.get_visible_request(request.user, pk)
    version = selectors.get_version(material_request, number)
    try:
        data, record = official.download_pdf(request.user, version)
    except official.OfficialPdfUnavailable as error:
        return render(
            request,
            "documents/pdf_unavailable.html",
            {"material_request": material_request, "version": version, "message": str(error)},
            status=404,
        )
    response = HttpResponse(data, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{official.pdf_filename(version)}"'
    response["X-Content-SHA256"] = record.sha256
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def version_pdf_retry(request, pk, number):
    """The office asks again for a PDF that could not be made."""
    material_request = request_selectors.get_visible_request(request.user, pk)
    version = selectors.get_version(material_request, number)
    try:
        official.retry(request.user, version)
    except PermissionDenied:
        raise
    except WorkflowError as error:
        return render(
            request,
            "documents/pdf_unavailable.html",
            {"material_request": material_request, "version": version, "message": error.message},
            status=error.status_code,
        )
    messages.success(
        request, _("Se volvió a pedir el PDF firmado de la versión %(number)d.") % {"number": version.number}
    )
    return redirect("workflows:version_list", pk=material_request.pk)


def _version_number(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@login_required
def version_compare(request, pk):
    material_request = request_selectors.get_visible_request(request.user, pk)
    first, second = _version_number(request.GET.get("a")), _version_number(request.GET.get("b"))
    if first is None or second is None:
        return render(
            request,
            "documents/version_compare.html",
            {
                "material_request": material_request,
                "error": _("Indique dos números de versión válidos para comparar (por ejemplo, ?a=1&b=2)."),
            },
            status=400,
        )
    old, new = selectors.get_version(material_request, first), selectors.get_version(material_request, second)
    return render(
        request,
        "documents/version_compare.html",
        {
            "material_request": material_request,
            "old": old,
            "new": new,
            "rows": comparison.compare(old.snapshot, new.snapshot),
            "identical": old.snapshot_sha256 == new.snapshot_sha256,
            "compare_max": comparison.COMPARE_MAX,
        },
    )


@login_required
def version_review(request, pk):
    """What an approver decides on, as an HTML fragment for the decision dialogs: the newest
    version rendered as its document presents it, its number and short hash, its DOCX, and
    its comparison with the version an approver last saw (else the last one submitted)."""
    material_request = request_selectors.get_visible_request(request.user, pk)
    current, base = selectors.review_versions(material_request)
    context = {"material_request": material_request, "version": current, "base": base}
    if current is not None:
        content = current.snapshot.get("content", {})
        context.update(
            {
                "content": content,
                "details": [
                    field for field in comparison.fields_of(current.snapshot) if field.key.startswith("details.")
                ],
                "lead": content.get("details", {}).get("lead", ""),
                "attachments": selectors.review_attachments(material_request, current),
                "compare_max": comparison.COMPARE_MAX,
            }
        )
        if base is not None:
            context["rows"] = comparison.compare(base.snapshot, current.snapshot)
            context["identical"] = base.snapshot_sha256 == current.snapshot_sha256
    response = render(request, "documents/_version_review.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
