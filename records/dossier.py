"""The dossier that answers a transparency request: a ZIP with every DOCX version of each
request concerned, the signed PDF of each approved and published one, its audit trail as
CSV, a summary DOCX (who did what and when, each version's hash, the verification of each
chain) and a plain Spanish sheet on how anyone can verify a document (COMO-VERIFICAR.txt).
Optionally with personal data hidden: the signed PDFs cannot be redacted without breaking
their signature, so a redacted dossier carries only those already public (published).

Built in a temporary file, step by step, so a large dossier never sits in memory and the
page can show how far it got.
"""

import dataclasses
import io
import tempfile
import zipfile

from django.conf import settings
from django.utils import timezone
from django.utils.text import get_valid_filename
from docx import Document
from docx.shared import Pt

from audit.exports import RowFormatter, csv_lines
from audit.labels import action_label, person_label, state_label
from audit.models import AuditEvent
from audit.redaction import Redactor
from audit.selectors import EXPORT_FIELDS, events_for
from audit.services import chain_for
from audit.verification import verify_chain
from directory.dossier import distribution_csv
from directory.dossier import summary_line as distribution_summary
from documents import official
from documents.models import PUBLICATION_REASONS, DocumentVersion
from documents.rendering import Frozen, render_frozen
from documents.services import rendered_docx
from documents.tables import available_width, fit_columns
from documents.verification import site_base
from organization.selectors import municipality_name
from workflows.display import decision_label
from workflows.models import MaterialRequest, State
from workflows.selectors import request_decisions

TABLE_TEXT = Pt(9)
HASH_FONT = "DejaVu Sans Mono"
HASH_SIZE = Pt(7)

# Columns of selectors.EXPORT_FIELDS that may carry personal data: the comment, the data,
# and the IP address and browser, which identify a person too.
PRIVATE_COLUMNS = {
    EXPORT_FIELDS.index("comment"): "text",
    EXPORT_FIELDS.index("data"): "deep",
    EXPORT_FIELDS.index("ip_address"): "mark",
    EXPORT_FIELDS.index("user_agent"): "mark",
}


@dataclasses.dataclass
class Part:
    """One request of the dossier, gathered before writing."""

    material_request: MaterialRequest
    versions: list
    events: list
    verified: bool
    break_text: str
    distribution_line: str = ""  # directory.dossier: the press release's sends, if any
    decisions: list = dataclasses.field(default_factory=list)  # workflows.Decision, oldest first
    signed: list = dataclasses.field(default_factory=list)  # (version, OfficialDocument, file name)


def _redacted_row(row, redactor: Redactor) -> tuple:
    cells = list(row)
    for index, how in PRIVATE_COLUMNS.items():
        value = cells[index]
        if how == "text":
            cells[index] = redactor.text(value)
        elif how == "deep":
            cells[index] = redactor.deep(value)
        elif value:
            cells[index] = "[reservado]"
    return tuple(cells)


def _csv_bytes(material_request, redactor: Redactor | None) -> bytes:
    """The request's trail in the audit log's own CSV export format (audit/exports.py)."""
    rows = AuditEvent.objects.filter(chain=chain_for(material_request)).order_by("sequence").values_list(*EXPORT_FIELDS)
    if redactor is not None:
        rows = (_redacted_row(row, redactor) for row in rows)
    return b"".join(csv_lines(rows, RowFormatter()))


def _version_docx(version: DocumentVersion, redactor: Redactor | None) -> tuple[bytes, str]:
    if redactor is None:
        return rendered_docx(version)
    frozen = Frozen.of(version)
    redacted = dataclasses.replace(frozen, snapshot=redactor.deep(frozen.snapshot))
    return render_frozen(redacted), ""


def _signed_pdf(version: DocumentVersion, material_request, redactor: Redactor | None):
    """The version's signed PDF and its record, or None: not an official document, not made
    yet, or (in a redacted dossier) not public, since a signed PDF cannot be redacted."""
    if not official.is_official(version):
        return None
    if redactor is not None and not (
        version.reason in PUBLICATION_REASONS and material_request.state in (State.PUBLISHED, State.WITHDRAWN)
    ):
        return None
    try:
        return official.official_pdf(version)
    except official.OfficialPdfUnavailable:
        return None


def verification_sheet(parts: list[Part]) -> str:
    """How anyone can check the documents of this dossier, in plain Spanish."""
    site = site_base()
    lines = [
        "CÓMO VERIFICAR LOS DOCUMENTOS DE ESTE EXPEDIENTE",
        "",
        f"{municipality_name()}",
        "",
        "Cada documento aprobado o publicado por la municipalidad se entrega como PDF firmado",
        "electrónicamente. Cualquier persona puede comprobar que el PDF que tiene es el que la",
        "municipalidad aprobó, sin pedir nada a nadie:",
        "",
        "1. El código de verificación. Al pie de cada página figura un código como VER-7K2M-Q9XD.",
        f"   Escríbalo en {site}/publico/verificar/ : si corresponde a un documento publicado, la",
        "   página muestra su referencia, su título, quién lo aprobó y cuándo (y por encargo de quién),",
        "   el hash de la versión y el PDF firmado para compararlo. Si el código no existe, el",
        "   documento no fue publicado por la municipalidad.",
        "",
        "2. El código QR. Lleva a la misma página: escanéelo con la cámara del teléfono.",
        "",
        "3. El hash. El SHA-256 de su PDF debe ser el mismo que muestra la página de verificación",
        "   (y que figura abajo). En Linux o Mac: sha256sum archivo.pdf",
        "   En Windows: certutil -hashfile archivo.pdf SHA256",
        "   También puede subir su PDF en la página de verificación: le dice si es idéntico y, si",
        "   no lo es, qué cambia (el contenido, o la firma ausente o inválida).",
        "",
        "4. La firma electrónica. Abra el PDF con un lector que muestre firmas (Adobe Acrobat",
        "   Reader, Okular; o pdfsig archivo.pdf en Linux): la firma debe ser válida, hecha con el",
        "   certificado de la municipalidad, y el documento no debe haber sido modificado después de",
        "   firmarse. Un solo byte cambiado invalida la firma.",
        "",
        "Documentos firmados de este expediente:",
    ]
    listed = False
    for part in parts:
        for version, record, name in part.signed:
            listed = True
            lines += [
                "",
                f"- {name}",
                f"  Referencia: {part.material_request.reference}, versión {version.number}",
                f"  Código de verificación: {record.code}",
                f"  Página de verificación: {site}/publico/verificar/{record.code}/",
                f"  SHA-256 del PDF: {record.sha256}",
            ]
    if not listed:
        lines += ["", "(Este expediente no contiene PDF firmados.)"]
    lines.append("")
    return "\n".join(lines)


def _summary_docx(job, parts: list[Part], file_hashes: dict, context: dict, redactor: Redactor | None) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10)
    document.add_heading("Expediente de auditoría", level=0)
    document.add_paragraph(settings.MUNICIPALITY_NAME)
    facts = [
        ("Generado", timezone.localtime(context["generated_at"]).strftime("%d/%m/%Y %H:%M")),
        ("Generado por", person_label(job.requested_by)),
        ("Datos personales", "ocultados" if redactor is not None else "incluidos (copia interna)"),
    ]
    if context.get("transparency"):
        entry = context["transparency"]
        facts.insert(0, ("Pedido de acceso a la información", entry.reference))
    _grid(document, [], [list(fact) for fact in facts], bold_first_column=True)
    if redactor is not None:
        document.add_paragraph(
            "Esta copia oculta datos personales (correos, teléfonos, documentos de identidad y nombres de "
            "personas particulares). Los DOCX de esta copia no tienen los hashes de los originales: los hashes "
            "que figuran aquí son los de los documentos originales, que la municipalidad conserva."
        )
    for part in parts:
        request = part.material_request
        document.add_heading(f"{request.reference} — {_maybe(redactor, request.title)}", level=1)
        document.add_paragraph(
            f"Tipo: {request.get_kind_display()} · Unidad: {request.unit} · Estado: {request.state_label}"
        )
        verdict = (
            "Cadena de auditoría verificada: íntegra."
            if part.verified
            else f"Cadena de auditoría ROTA: {part.break_text}"
        )
        document.add_paragraph(verdict).runs[0].bold = True
        if part.distribution_line:
            document.add_paragraph(part.distribution_line)
        document.add_heading("Versiones del documento", level=2)
        # The two hashes (64 characters each) one under the other, in a small fixed-width
        # type: side by side they would not fit the page without breaking.
        _grid(
            document,
            ["N°", "Motivo y fecha", "SHA-256 del contenido y del DOCX"],
            [
                [
                    str(version.number),
                    [
                        version.get_reason_display(),
                        timezone.localtime(version.created_at).strftime("%d/%m/%Y %H:%M"),
                    ],
                    Hashes(
                        [
                            f"Contenido: {version.snapshot_sha256}",
                            f"DOCX: {file_hashes.get(version.pk, '')}",
                        ]
                    ),
                ]
                for version in part.versions
            ],
        )
        if part.signed:
            document.add_heading("Documentos oficiales firmados (PDF)", level=2)
            _grid(
                document,
                ["N°", "Código de verificación", "SHA-256 del PDF", "Firmado por"],
                [
                    [str(version.number), record.code, Hashes([record.sha256]), record.signer]
                    for version, record, _name in part.signed
                ],
            )
            document.add_paragraph("Cómo verificarlos: vea COMO-VERIFICAR.txt en este expediente.")
        _decisions_table(document, part, redactor)
        document.add_heading("Registro de auditoría completo", level=2)
        rows = []
        for event in part.events:
            who = person_label(event.actor, event.actor_username) or "Sistema"
            if event.on_behalf_of:
                who += f" (por encargo de {person_label(event.on_behalf_of)})"
            rows.append(
                [
                    timezone.localtime(event.occurred_at).strftime("%d/%m/%Y %H:%M:%S"),
                    who,
                    action_label(event.action),
                    _states(event.from_state, event.to_state),
                    _maybe(redactor, event.comment),
                ]
            )
        _grid(document, ["Fecha", "Usuario", "Acción", "Estados", "Motivo"], rows)
    buffer = io.BytesIO()
    document.core_properties.title = "Expediente de auditoría"
    document.save(buffer)
    return buffer.getvalue()


def _person(user) -> str:
    return person_label(user) if user is not None else "—"


def _decisions_table(document, part: Part, redactor: Redactor | None) -> None:
    """Who decided what and when, read from the request's decisions (workflows.Decision):
    each state change once, a redone step as often as it happened, the encargatura it was
    decided under, the document version it was taken on and the audit event that vouches
    for it (its position in the chain, as in auditoria.csv)."""
    document.add_heading("Quién decidió qué y cuándo", level=2)
    rows = []
    for decision in part.decisions:
        who = _person(decision.actor)
        if decision.acting_for is not None:
            who += f" (por encargo de {_person(decision.acting_for)})"
        if decision.by_system:
            who += " (ejecutada por la tarea programada)"
        rows.append(
            [
                timezone.localtime(decision.created_at).strftime("%d/%m/%Y %H:%M:%S"),
                who,
                decision_label(decision.action),
                _states(decision.from_state, decision.to_state),
                f"v{decision.version_number}" if decision.version_number else "—",
                _maybe(redactor, decision.reason),
                f"#{decision.audit_event.sequence}",
            ]
        )
    _grid(document, ["Fecha", "Decidió", "Decisión", "Estados", "Versión", "Motivo", "Evento"], rows)


class Hashes(list):
    """Lines of a cell printed in HASH_FONT at HASH_SIZE."""


def _grid(document, headings: list[str], rows: list[list], *, bold_first_column: bool = False):
    """A bordered table in TABLE_TEXT, its headings in bold, each cell a text or a list of
    lines, the columns as wide as their longest words need (documents.tables)."""
    table = document.add_table(rows=0, cols=len(headings or rows[0]) if (headings or rows) else 1)
    table.style = "Table Grid"
    for values, bold in ([(headings, True)] if headings else []) + [(row, False) for row in rows]:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            lines = value if isinstance(value, list) else [value]
            for number, line in enumerate(lines):
                paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
                run = paragraph.add_run(line)
                run.bold = bold or (bold_first_column and index == 0)
                if isinstance(value, Hashes):
                    run.font.name, run.font.size = HASH_FONT, HASH_SIZE
                else:
                    run.font.size = TABLE_TEXT
    fit_columns(table, available_width(document), default_size=TABLE_TEXT)
    return table


def _states(from_state: str, to_state: str) -> str:
    """ "Pendiente de aprobación → Aprobada": the states' labels, never their codes."""
    if not from_state and not to_state:
        return ""
    return f"{state_label(from_state) if from_state else '—'} → {state_label(to_state) if to_state else '—'}"


def _maybe(redactor: Redactor | None, text: str) -> str:
    return redactor.text(text) if redactor is not None else text


def dossier_requests(job) -> tuple[list[MaterialRequest], dict]:
    """The requests a job covers and context for its summary."""
    from transparency.models import TransparencyRequest

    context = {"generated_at": timezone.now()}
    if "transparency_request" in job.params:
        entry = TransparencyRequest.objects.get(pk=job.params["transparency_request"])
        context["transparency"] = entry
        requests = list(entry.material_requests.select_related("unit").order_by("pk"))
        extra_versions = list(entry.document_versions.values_list("request_id", flat=True))
        known = {r.pk for r in requests}
        requests += list(
            MaterialRequest.objects.filter(pk__in=set(extra_versions) - known).select_related("unit").order_by("pk")
        )
        return requests, context
    return [MaterialRequest.objects.select_related("unit").get(pk=job.params["request"])], context


def private_names(job, context) -> list[str]:
    names = [n for n in job.params.get("private_names", []) if n.strip()]
    entry = context.get("transparency")
    if entry is not None and getattr(entry, "requester_name", ""):
        names.append(entry.requester_name)
    return names


def build(job, progress) -> tuple[str, str]:
    """Write the job's ZIP to a temporary file; returns (path, download name).
    `progress(done, total)` is called after each step."""
    requests, context = dossier_requests(job)
    redactor = Redactor(tuple(private_names(job, context))) if job.redact else None
    parts = []
    for material_request in requests:
        result = verify_chain(chain_for(material_request))
        parts.append(
            Part(
                material_request,
                list(DocumentVersion.objects.filter(request=material_request).order_by("number")),
                list(events_for(material_request)),
                result.ok,
                result.first_break.plain() if result.first_break else "",
                distribution_summary(material_request),
                list(request_decisions(material_request).select_related("audit_event")),
            )
        )
    total = sum(len(part.versions) for part in parts) + len(parts) + 1
    done = 0
    progress(done, total)
    handle = tempfile.NamedTemporaryFile(prefix="expediente-", suffix=".zip", delete=False)  # noqa: SIM115 - kept
    file_hashes = {}
    with handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            folder = get_valid_filename(part.material_request.reference)
            for version in part.versions:
                data, sha = _version_docx(version, redactor)
                file_hashes[version.pk] = sha or rendered_docx(version)[1]
                archive.writestr(f"{folder}/versiones/{folder}-v{version.number}-{version.reason}.docx", data)
                signed = _signed_pdf(version, part.material_request, redactor)
                if signed is not None:
                    pdf, record = signed
                    name = f"{folder}/versiones/{folder}-v{version.number}-{version.reason}-firmado.pdf"
                    archive.writestr(name, pdf)
                    part.signed.append((version, record, name))
                done += 1
                progress(done, total)
            archive.writestr(f"{folder}/auditoria.csv", _csv_bytes(part.material_request, redactor))
            distribution = distribution_csv(part.material_request, redactor)
            if distribution is not None:
                archive.writestr(f"{folder}/difusion.csv", distribution)
            done += 1
            progress(done, total)
        archive.writestr("resumen.docx", _summary_docx(job, parts, file_hashes, context, redactor))
        archive.writestr("COMO-VERIFICAR.txt", verification_sheet(parts).encode("utf-8"))
        progress(total, total)
    stem = context["transparency"].reference if context.get("transparency") else requests[0].reference
    suffix = "-reservado" if redactor is not None else ""
    return handle.name, get_valid_filename(f"expediente-{stem}{suffix}.zip")
