"""The distribution part of a request's dossier (records/dossier.py): who received which
press release, when, and which sends failed, as `difusion.csv`, and one line for the
summary. In the redacted copy the recipients' emails are hidden (journalists and contacts
are private persons for this purpose), errors go through the same redactor as the rest
of the dossier (mail servers quote addresses), and names given as private are hidden too.
"""

import csv

from django.utils import timezone

from audit.exports import BOM, Echo, _csv_cell
from audit.redaction import EMAIL_MARK

from .models import Delivery, Distribution

HEADER = [
    "Difusión",
    "Fecha de envío",
    "Enviado por",
    "Versión",
    "SHA-256 del adjunto",
    "Asunto",
    "Listas",
    "Destinatario",
    "Tipo",
    "Medio o institución",
    "Correo",
    "Estado",
    "Intentos",
    "Entregado al servidor de correo",
    "Error",
    "SHA-256 del PDF firmado adjunto",
]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S") if moment else ""


def deliveries_of(material_request):
    return (
        Delivery.objects.filter(distribution__request=material_request)
        .select_related("distribution__sent_by", "distribution__version")
        .order_by("distribution__created_at", "distribution_id", "pk")
    )


def distribution_csv(material_request, redactor=None) -> bytes | None:
    """The deliveries of every send of the request; None when it was never distributed."""
    rows = list(deliveries_of(material_request))
    if not rows:
        return None

    def text(value: str) -> str:
        return redactor.text(value) if redactor is not None and value else value

    writer = csv.writer(Echo())
    lines = [(BOM + writer.writerow(HEADER)).encode()]
    for delivery in rows:
        distribution = delivery.distribution
        sender = distribution.sent_by
        cells = [
            distribution.pk,
            _when(distribution.created_at),
            sender.get_full_name() or sender.get_username(),
            distribution.version.number,
            distribution.attachment_sha256,
            text(distribution.subject),
            ", ".join(distribution.list_names),
            text(delivery.name),
            "Periodista" if delivery.journalist_id else "Contacto institucional",
            delivery.organization,
            EMAIL_MARK if redactor is not None else delivery.email,
            delivery.get_status_display(),
            delivery.attempts,
            _when(delivery.sent_at),
            text(delivery.error),
            distribution.pdf_sha256,
        ]
        if redactor is not None:
            redactor.hidden += 1  # the email
        lines.append(writer.writerow([_csv_cell(cell) for cell in cells]).encode())
    return b"".join(lines)


def summary_line(material_request) -> str:
    """One sentence for the dossier's summary; empty when never distributed."""
    sends = Distribution.objects.filter(request=material_request).count()
    if not sends:
        return ""
    statuses = list(Delivery.objects.filter(distribution__request=material_request).values_list("status", flat=True))
    sent = statuses.count(Delivery.Status.SENT)
    failed = statuses.count(Delivery.Status.FAILED)
    return (
        f"Difusión a medios: {_count(sends, 'envío', 'envíos')}, "
        f"{_count(len(statuses), 'destinatario', 'destinatarios')}: "
        f"{_count(sent, 'entregado', 'entregados')} al servidor de correo, "
        f"{_count(failed, 'fallido', 'fallidos')}. Detalle en difusion.csv."
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
