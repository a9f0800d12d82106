"""Demo data for this app, called by `manage.py seed_demo` after the requests exist:
coverage found in the media for the published demo requests this month, some general
coverage last month, mixed tones, links and one clipping (a tiny PNG built here).
Recorded through the services, so each item has its audit event."""

import struct
import uuid
import zlib
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from workflows.management.commands.seed_demo import AGUA_SEGURA, TOKEN_NAMESPACE
from workflows.models import MaterialRequest

from . import services
from .models import Coverage


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG, built without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# (title of the published demo request, medium, medium type, headline, tone, link, with a clipping)
THIS_MONTH = [
    (
        "Descuentos en arbitrios municipales 2026",
        "Diario La Voz de Lima",
        "prensa",
        "Pueblo Libre perdona hasta 90 % de intereses en arbitrios",
        "positive",
        "https://lavozdelima.example/locales/pueblo-libre-arbitrios",
        False,
    ),
    (
        "Descuentos en arbitrios municipales 2026",
        "Radio Pueblo 101.3",
        "radio",
        "Vecinos consultan en vivo por los descuentos en arbitrios",
        "neutral",
        "https://radiopueblo.example/audios/arbitrios-descuentos",
        False,
    ),
    (
        AGUA_SEGURA,
        "Canal 9 Noticias",
        "tv",
        "Brigadas municipales enseñan a clorar el agua en casa",
        "positive",
        "https://canal9.example/videos/agua-segura-pueblo-libre",
        False,
    ),
    (
        "Señalización de evacuación del Palacio Municipal",
        "Semanario El Vecino",
        "prensa",
        "Palacio Municipal estrena señales fotoluminiscentes",
        "neutral",
        "",
        True,
    ),
    (
        "Avance de la obra de la Av. Brasil",
        "Portal Lima Hoy",
        "digital",
        "Municipio corrige cifra de avance de la obra de la Av. Brasil",
        "negative",
        "https://limahoy.example/ciudad/av-brasil-avance-corregido",
        False,
    ),
    (
        "Saludo por el Día de la Madre",
        "Radio Pueblo 101.3",
        "radio",
        "El alcalde saluda a las madres de los comedores populares",
        "positive",
        "https://radiopueblo.example/audios/dia-de-la-madre",
        False,
    ),
]
# (days before the first of this month, medium, medium type, headline, tone): not tied to a request.
LAST_MONTH = [
    (3, "Portal Lima Hoy", "digital", "Pueblo Libre entre los distritos con más áreas verdes", "positive"),
    (10, "Diario La Voz de Lima", "prensa", "Vecinos reclaman por baches en la Av. Sucre", "negative"),
    (17, "Radio Pueblo 101.3", "radio", "Municipio anuncia mesa de trabajo con juntas vecinales", "neutral"),
]


def seed(users) -> int:
    """Idempotent (each item is found by its headline first); `users` maps demo usernames
    to users. Returns how many coverage items were created."""
    today = timezone.localdate()
    last_month = today.replace(day=1)
    created = 0
    for index, (title, medium, medium_type, headline, tone, url, with_clipping) in enumerate(THIS_MONTH):
        if Coverage.objects.filter(headline=headline).exists():
            continue
        material_request = MaterialRequest.objects.filter(client_token=uuid.uuid5(TOKEN_NAMESPACE, title)).first()
        if material_request is None or material_request.publication_date is None:
            continue
        clipping = SimpleUploadedFile("recorte-el-vecino.png", tiny_png()) if with_clipping else None
        services.record_coverage(
            users["revisor1"] if index % 2 == 0 else users["publicador"],
            data={
                "medium": medium,
                "medium_type": medium_type,
                # Found in the media on the day it was published (the demo publishes today).
                "published_on": max(material_request.publication_date, today.replace(day=1)),
                "headline": headline,
                "url": url,
                "tone": tone,
                "request": material_request,
                "notes": "",
            },
            clipping=clipping,
        )
        created += 1
    for days_back, medium, medium_type, headline, tone in LAST_MONTH:
        if Coverage.objects.filter(headline=headline).exists():
            continue
        services.record_coverage(
            users["revisor1"],
            data={
                "medium": medium,
                "medium_type": medium_type,
                "published_on": last_month - timedelta(days=days_back),
                "headline": headline,
                "url": f"https://monitoreo.example/{uuid.uuid5(TOKEN_NAMESPACE, headline).hex[:12]}",
                "tone": tone,
                "request": None,
                "notes": "Cobertura general del distrito, sin solicitud relacionada.",
            },
        )
        created += 1
    return created
