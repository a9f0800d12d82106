"""The canonical content of a request, frozen as JSON, and its readable text lines.

A snapshot is a plain dict of strings, numbers, booleans, lists and dicts: the same
content always serializes to the same canonical JSON, hence the same SHA-256.
"""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation

from core.wording import money as country_money
from workflows.models import ATTACHMENT_SNAPSHOT_FIELDS, DETAILS_MODELS, PUBLISHED_LABELS, Channel, Kind, State

# 2: the snapshot names the municipality's country ("country": "PE"), whose formats its
# documents use (amounts: core.wording.money), and states read as their current labels.
# 1: written before; rendered exactly as then (legacy_money, LEGACY_STATE_LABELS), so a
# stored DOCX can still be made again byte for byte.
SCHEMA = 2

MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_of(value) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _details(material_request) -> dict:
    model = DETAILS_MODELS[Kind(material_request.kind)]
    # The snapshot must be what the transaction just wrote: the details a workflow service
    # read with the request under its lock (and wrote through that very object), else
    # read from the database, never from a relation cached who knows when.
    if material_request.__dict__.get("_read_under_lock"):
        detail = material_request.details
    else:
        detail = model.objects.filter(request_id=material_request.pk).first()
    if detail is None:
        return {}
    values = {}
    channel_labels = dict(Channel.choices)
    for field in detail._meta.fields:
        if field.name in ("id", "request"):
            continue
        value = getattr(detail, field.name)
        values[field.name] = _plain(value)
        if field.choices:
            values[f"{field.name}_label"] = str(getattr(detail, f"get_{field.name}_display")())
        elif field.name == "channels":
            values["channels_labels"] = [str(channel_labels.get(item, item)) for item in value]
    return values


def _attachment_order(row: dict) -> tuple:
    return (row["name"], row["sha256"], row["file"])


def _attachments(material_request) -> list[dict]:
    # Read with the request under the workflow service's lock when it was (used once).
    prefetched = material_request.__dict__.pop("prefetched_attachments", False)
    if prefetched is not False and material_request.__dict__.get("_read_under_lock"):
        rows = [{key: row[key] for key in ATTACHMENT_SNAPSHOT_FIELDS} for row in prefetched or []]
        return sorted(rows, key=_attachment_order)
    rows = material_request.attachments.order_by("original_name", "sha256", "file").values_list(
        *ATTACHMENT_SNAPSHOT_FIELDS.values()
    )
    return [dict(zip(ATTACHMENT_SNAPSHOT_FIELDS, row, strict=True)) for row in rows]


def build_content(material_request) -> dict:
    """The request's content as it is now in the database (within the caller's transaction)."""
    with translation.override("es"):
        return {
            "reference": material_request.reference,
            "kind": material_request.kind,
            "kind_label": str(Kind(material_request.kind).label),
            "title": material_request.title,
            "unit": material_request.unit.name,
            "author": person_name(material_request.author),
            "requested_by": _plain(material_request.requested_by),
            "summary": material_request.summary,
            "body": material_request.body,
            "emergency": bool(material_request.emergency),
            "details": _details(material_request),
            "attachments": _attachments(material_request),
        }


# How the first edition's documents named the states (schema 1), kept to render them again.
LEGACY_STATE_LABELS = {
    State.DRAFT: "Borrador",
    State.IN_REVIEW: "En revisión",
    State.PENDING_APPROVAL: "Pendiente de aprobación",
    State.APPROVED: "Aprobado",
    State.CANCELLED: "Anulado",
    State.WITHDRAWN: "Retirado",
}
LEGACY_PUBLISHED_LABELS = {
    Kind.PUBLICATION: "Publicado",
    Kind.CAMPAIGN: "Publicado",
    Kind.SPEECH: "Pronunciado",
    Kind.SIGNAGE: "Instalado",
}


def state_label(kind: str, state: str, *, schema: int = SCHEMA) -> str:
    if schema < 2:
        if state == State.PUBLISHED and kind in Kind.values:
            return LEGACY_PUBLISHED_LABELS[Kind(kind)]
        return LEGACY_STATE_LABELS.get(state, state)
    with translation.override("es"):
        if state == State.PUBLISHED and kind in Kind.values:
            return str(PUBLISHED_LABELS[Kind(kind)])
        return str(State(state).label) if state in State.values else state


# --- Spanish dates ------------------------------------------------------------------------


def local_datetime(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def spanish_date(value: str | date | datetime) -> str:
    """ "21 de noviembre de 2026"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local_datetime(value)
    return f"{value.day} de {MONTHS[value.month - 1]} de {value.year}"


def spanish_datetime(value: str | datetime) -> str:
    """ "21 de noviembre de 2026, 09:30 h"."""
    if not value:
        return ""
    moment = local_datetime(value)
    return f"{spanish_date(moment)}, {moment:%H:%M} h"


def money(value: str, country: str | None = None) -> str:
    """An amount of a snapshot in the country's format (the configured one by default):
    «S/ 1 500,00» in Peru, «L 1,500.00» in Honduras."""
    return country_money(Decimal(value or "0"), country)


def legacy_money(value: str) -> str:
    """ "S/ 1,500.00": how documents of the first edition (schema 1) wrote amounts."""
    return f"S/ {Decimal(value or '0'):,.2f}"


# --- readable lines, for the diff -------------------------------------------------------

DETAIL_LINES = {
    Kind.PUBLICATION: (
        ("format_label", "Formato"),
        ("channels_labels", "Canales"),
        ("lead", "Entradilla"),
        ("contact", "Contacto de prensa"),
    ),
    Kind.CAMPAIGN: (
        ("campaign_type_label", "Tipo de campaña"),
        ("objective", "Objetivo"),
        ("audience", "Público objetivo"),
        ("channels_labels", "Canales"),
        ("start_date", "Inicio"),
        ("end_date", "Fin"),
        ("budget", "Presupuesto"),
    ),
    Kind.SPEECH: (
        ("event_name", "Evento"),
        ("place", "Lugar"),
        ("event_at", "Fecha y hora"),
        ("speaker", "Orador"),
        ("duration_minutes", "Duración (minutos)"),
        ("key_messages", "Mensajes clave"),
    ),
    Kind.SIGNAGE: (
        ("premises", "Local"),
        ("address", "Dirección"),
        ("location_detail", "Ubicación en el local"),
        ("sign_type_label", "Tipo de señal"),
        ("dimensions", "Dimensiones"),
        ("material", "Material"),
        ("quantity", "Cantidad"),
        ("sign_text", "Texto de la señal"),
    ),
}


def format_detail(key: str, value) -> str:
    """A detail of the kind as the document prints it (dates, money, lists)."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if key in ("start_date", "end_date"):
        return spanish_date(value)
    if key == "event_at":
        return spanish_datetime(value)
    if key == "budget":
        return money(value)
    return "" if value is None else str(value)


def approval_lines(approval: dict) -> list[str]:
    lines = [f"Aprobado por: {approval['approved_by']}", f"Cargo: {approval['role']}"]
    if approval.get("on_behalf_of"):
        lines.append(f"Por encargo de: {approval['on_behalf_of']}")
    lines += [
        f"Fecha y hora de aprobación: {spanish_datetime(approval['approved_at'])}",
        f"Versión aprobada: v{approval['version']}",
        f"SHA-256 del contenido aprobado: {approval['content_sha256']}",
    ]
    if approval.get("urgent"):
        lines.append(f"Publicación urgente: {approval.get('urgent_reason', '')}")
    return lines
