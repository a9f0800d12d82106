"""Public pages (no login): published material, its approval chain and the hash of the
published version, with a form that checks a copy against it.

Every page answers anonymous visitors and logged-in users alike, and shows only what
`records.public_selectors` builds: never the request itself.
"""

import hashlib
import logging
from dataclasses import replace

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from documents.models import DocumentVersion
from documents.services import rendered_docx
from organization.logos import LOGO_MAX_BYTES, PNG_MAGIC
from organization.selectors import current_municipality
from workflows.models import Kind

from . import public_selectors as selectors

logger = logging.getLogger("audit.public")

# A copy to check is a DOCX of a few hundred kilobytes; anything far larger is not one.
VERIFY_MAX_BYTES = 20 * 1024 * 1024
# Room for the multipart envelope and the CSRF field around the file.
VERIFY_ENVELOPE_BYTES = 64 * 1024


class PublicFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Buscar (referencia o título)"), required=False, max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Tipo"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("Unidad"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=gettext_lazy("Año"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, units=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = ("", _("Todos"))
        self.fields["kind"].choices = [everything, *Kind.choices]
        self.fields["unit"].choices = [("", _("Todas")), *((str(pk), name) for pk, name in units)]
        self.fields["year"].choices = [everything, *((str(year), str(year)) for year in years)]


@require_GET
def public_list(request):
    form = PublicFilterForm(request.GET or None, units=selectors.unit_choices(), years=selectors.year_choices())
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"kind": data["kind"], "unit_id": data["unit"], "year": data["year"], "search": data["q"].strip()}
    page = selectors.public_page(selectors.public_list(**filters), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/public/list.html",
        {"filter_form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


@require_GET
def municipality_logo(request, sha256):
    """The coat of arms, by its hash: only the one in use, checked against its hash, and
    cached for good by browsers (a new logo has a new address)."""
    municipality = current_municipality()
    if municipality is None or not municipality.logo_sha256 or municipality.logo_sha256 != sha256:
        raise Http404(_("No existe ese escudo."))
    try:
        with default_storage.open(municipality.logo.name, "rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError as error:
        raise Http404(_("No existe ese escudo.")) from error
    if hashlib.sha256(data).hexdigest() != sha256:
        logger.error("the stored logo does not match its hash %s", sha256)
        raise Http404(_("No existe ese escudo."))
    content_type = "image/png" if data.startswith(PNG_MAGIC) else "image/jpeg"
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _canonical_or_404(reference: str):
    """A reference typed in lower case goes to its canonical address; anything that is
    not a reference at all is not found."""
    if selectors.is_valid_reference(reference):
        return None
    if selectors.is_valid_reference(reference.upper()):
        return reference.upper()
    raise Http404(_("No existe ese material publicado."))


def _with_docx_hash(item):
    """The published DOCX's SHA-256. The file is rendered from the frozen version on its
    first request, anonymous or not, and never again: rendering is deterministic, the
    record is write-once and race-safe (documents.services.rendered_docx), so the only
    effect of this GET is a cache of a fact already fixed at publication. A failure
    leaves the page without the file hash, never without the page."""
    if item.version is None or item.version.docx_sha256:
        return item
    try:
        _data, sha = rendered_docx(DocumentVersion.objects.get(pk=item.version.pk))
    except Exception:  # a public page must not fail because a document cannot be rendered
        logger.exception("public page: could not render the published DOCX of %s", item.reference)
        return item
    item.version = replace(item.version, docx_sha256=sha)
    return item


def _render_detail(request, item, *, verification=None, verify_error="", status=200):
    return render(
        request,
        "records/public/detail.html",
        {
            "item": item,
            "show_names": settings.PUBLIC_SHOW_OFFICIAL_NAMES,
            "verification": verification,
            "verify_error": verify_error,
            "verify_max_mb": VERIFY_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_GET
def public_detail(request, reference):
    canonical = _canonical_or_404(reference)
    if canonical:
        return redirect("public:detail", reference=canonical, permanent=True)
    item = _with_docx_hash(selectors.get_public_item(reference))
    return _render_detail(request, item)


def _sha256_of_upload(upload) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > VERIFY_MAX_BYTES:
            return "", size
        digest.update(chunk)
    return digest.hexdigest(), size


@csrf_exempt  # checked below, after the size: a huge body is refused before it is parsed
@require_POST
def verify_copy(request, reference):
    """Compare an uploaded file's SHA-256 with the published DOCX's. Nothing is stored:
    the upload is hashed as it is read, and Django removes its temporary file."""
    if _canonical_or_404(reference):
        raise Http404(_("No existe ese material publicado."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > VERIFY_MAX_BYTES + VERIFY_ENVELOPE_BYTES:
        item = _with_docx_hash(selectors.get_public_item(reference))
        return _render_detail(request, item, verify_error=too_large(), status=400)
    return _verify_checked(request, reference)


def too_large() -> str:
    return _("El archivo es demasiado grande: el máximo es %(mb)d MB.") % {"mb": VERIFY_MAX_BYTES // (1024 * 1024)}


@csrf_protect
def _verify_checked(request, reference):
    item = _with_docx_hash(selectors.get_public_item(reference))
    upload = request.FILES.get("file")
    if upload is None or not upload.size:
        return _render_detail(
            request, item, verify_error=_("Elija un archivo no vacío para compararlo con el publicado."), status=400
        )
    sha, size = _sha256_of_upload(upload)
    if not sha:
        return _render_detail(request, item, verify_error=too_large(), status=400)
    if item.version is None or not item.version.docx_sha256:
        return _render_detail(
            request,
            item,
            verify_error=_("Este material no tiene un documento publicado con el que comparar la copia."),
            status=400,
        )
    verification = {"sha256": sha, "size": size, "matches": sha == item.version.docx_sha256}
    return _render_detail(request, item, verification=verification)
