"""The public verification of an official document (no login): /publico/verificar/.

- the page of a code (printed in the document's footer, held by its QR): whether it names
  a published document, its reference, title, approval chain, the version's hash, the
  signed PDF and its signature; unknown codes and codes of versions never published answer
  the same Spanish 404;
- the signed PDF itself, to compare with;
- a form to upload a PDF and be told whether it is that document, and if not, what differs
  (its hash; its signature absent, broken, someone else's, or another document's).
  Bounded in size before it is read, checked by content, nothing stored.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from documents import official, pdfcheck
from documents.models import DocumentVersion
from documents.verification import normalize_code

from . import public_selectors as selectors
from .public_views import VERIFY_ENVELOPE_BYTES, VERIFY_MAX_BYTES, too_large


def _unknown(request, typed: str):
    return render(
        request,
        "records/public/verify_unknown.html",
        {"typed": (typed or "")[:40], "verify_max_mb": VERIFY_MAX_BYTES // (1024 * 1024)},
        status=404,
    )


def _page(request, document, *, comparison=None, verify_error="", other_code="", status=200):
    return render(
        request,
        "records/public/verify.html",
        {
            "document": document,
            "item": document.item,
            "comparison": comparison,
            "verify_error": verify_error,
            "other_code": other_code,
            "verify_max_mb": VERIFY_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_GET
def verify_lookup(request):
    """The form where a code is typed (?codigo=…), and where it leads."""
    typed = request.GET.get("codigo", "")
    if not typed.strip():
        return render(request, "records/public/verify_lookup.html", {})
    canonical = normalize_code(typed)
    if canonical is None:
        return _unknown(request, typed)
    return redirect("public:verify_code", code=canonical)


@require_GET
def verify_code(request, code):
    canonical = normalize_code(code)
    if canonical and canonical != code:
        return redirect("public:verify_code", code=canonical, permanent=True)
    try:
        document = selectors.get_public_document(code)
    except Http404:
        return _unknown(request, code)
    return _page(request, document)


@require_GET
def verify_pdf(request, code):
    """The published signed PDF, read back and checked against its recorded hash."""
    try:
        document = selectors.get_public_document(code)
    except Http404:
        return _unknown(request, code)
    if not document.pdf_ready:
        raise Http404(_("El PDF firmado de este documento aún no está disponible."))
    try:
        data, record = official.official_pdf(DocumentVersion.objects.get(pk=document.version_pk))
    except official.OfficialPdfUnavailable as error:
        raise Http404(str(error)) from error
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.item.reference}-{record.code}.pdf"'
    response["X-Content-SHA256"] = record.sha256
    return response


@csrf_exempt  # checked below, after the size: a huge body is refused before it is parsed
@require_POST
def verify_upload(request, code):
    try:
        document = selectors.get_public_document(code)
    except Http404:
        return _unknown(request, code)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > VERIFY_MAX_BYTES + VERIFY_ENVELOPE_BYTES:
        return _page(request, document, verify_error=too_large(), status=400)
    return _verify_upload_checked(request, document)


@csrf_protect
def _verify_upload_checked(request, document):
    upload = request.FILES.get("file")
    if upload is None or not upload.size:
        return _page(request, document, verify_error=_("Elija un PDF no vacío para compararlo."), status=400)
    if upload.size > VERIFY_MAX_BYTES:
        return _page(request, document, verify_error=too_large(), status=400)
    if not document.pdf_ready:
        return _page(
            request,
            document,
            verify_error=_("El PDF firmado de este documento aún no está disponible para compararlo."),
            status=400,
        )
    data = b"".join(upload.chunks())[: VERIFY_MAX_BYTES + 1]
    if len(data) > VERIFY_MAX_BYTES:
        return _page(request, document, verify_error=too_large(), status=400)
    try:
        comparison = pdfcheck.compare(data, document.pdf_sha256)
    except pdfcheck.UnreadablePdf as error:
        return _page(request, document, verify_error=str(error), status=400)
    other = "" if comparison.matches else selectors.public_document_by_pdf_hash(comparison.sha256)
    return _page(request, document, comparison=comparison, other_code=other)
