"""Demo data for the directory, called by `manage.py seed_demo` after the requests exist:
a dozen Lima media with fictitious journalists (example.pe addresses), three institutional
contacts, the lists "Prensa local" and "Medios nacionales", and one distribution of the
published demo press release in which one delivery failed (a full mailbox).

Idempotent: every piece is looked up before it is made. The people are fictitious; the
outlets are real Lima media, named as the office's directory would name them."""

import uuid
from datetime import timedelta
from smtplib import SMTPRecipientsRefused

from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone

from . import distribution as sending
from . import services
from .models import Distribution, DistributionList, InstitutionalContact, Journalist, MediaOutlet

# The published demo press release (workflows/management/commands/seed_demo.py).
PRESS_RELEASE_TITLE = "Descuentos en arbitrios municipales 2026"
BOUNCING = "mbenavides.rpp@example.pe"

# (outlet, type, coverage, website, [(name, beat, phone, email, accreditation)])
MEDIA = [
    (
        "El Comercio",
        "prensa",
        "nacional",
        "https://elcomercio.pe",
        [
            ("Gabriela Ortiz Valdivia", "Lima", "987 111 201", "gortiz.elcomercio@example.pe", "AC-2026-014"),
            ("Renato Salinas Cueto", "Política", "987 111 202", "rsalinas.elcomercio@example.pe", ""),
        ],
    ),
    (
        "La República",
        "prensa",
        "nacional",
        "https://larepublica.pe",
        [
            ("Milagros Chumpitaz Arce", "Sociedad", "987 111 203", "mchumpitaz.larepublica@example.pe", "AC-2026-022"),
        ],
    ),
    (
        "RPP Noticias",
        "radio",
        "nacional",
        "https://rpp.pe",
        [
            ("Martín Benavides Lora", "Locales", "987 111 204", BOUNCING, "AC-2026-031"),
            ("Carla Nishimura Paz", "Economía", "987 111 205", "cnishimura.rpp@example.pe", ""),
        ],
    ),
    (
        "Canal N",
        "television",
        "nacional",
        "https://canaln.pe",
        [
            ("Diego Alarcón Rivas", "Actualidad", "987 111 206", "dalarcon.canaln@example.pe", "AC-2026-040"),
        ],
    ),
    (
        "TV Perú",
        "television",
        "nacional",
        "https://www.tvperu.gob.pe",
        [
            ("Sofía Quispe Huanca", "Regiones", "987 111 207", "squispe.tvperu@example.pe", ""),
        ],
    ),
    (
        "Agencia Andina",
        "digital",
        "nacional",
        "https://andina.pe",
        [
            ("Jorge Villanueva Soto", "Lima", "987 111 208", "jvillanueva.andina@example.pe", "AC-2026-051"),
        ],
    ),
    (
        "Exitosa",
        "radio",
        "lima",
        "https://www.exitosanoticias.pe",
        [
            ("Patricia Ramos Elías", "Locales", "987 111 209", "pramos.exitosa@example.pe", ""),
        ],
    ),
    (
        "Willax TV",
        "television",
        "lima",
        "https://willax.pe",
        [
            ("Álvaro Cisneros Tello", "Política", "987 111 210", "acisneros.willax@example.pe", ""),
        ],
    ),
    (
        "Radio Nacional",
        "radio",
        "nacional",
        "https://www.radionacional.com.pe",
        [
            ("Rosa Huamán Ccori", "Cultura", "987 111 211", "rhuaman.radionacional@example.pe", "AC-2026-063"),
        ],
    ),
    (
        "Infobae Perú",
        "digital",
        "internacional",
        "https://www.infobae.com/peru",
        [
            ("Lucía Mendoza Ibáñez", "Lima", "987 111 212", "lmendoza.infobae@example.pe", ""),
        ],
    ),
    (
        "Perú21",
        "prensa",
        "nacional",
        "https://peru21.pe",
        [
            ("Hugo Paredes Amaya", "Ciudad", "987 111 213", "hparedes.peru21@example.pe", ""),
        ],
    ),
    (
        "Latina Noticias",
        "television",
        "nacional",
        "https://www.latina.pe",
        [
            ("Verónica Luna Campos", "Locales", "", "vluna.latina@example.pe", "AC-2025-090"),
        ],
    ),
    (
        "Radio Pueblo Libre",
        "radio",
        "distrital",
        "",
        [
            ("Óscar Tapia Morales", "Vecinal", "987 111 215", "", ""),  # no email: lists skip him
        ],
    ),
]
CONTACTS = [
    (
        "embajada",
        "Embajada de España en el Perú",
        "Inés Garrido Molina",
        "Agregada de prensa",
        "01 212 5155",
        "prensa.embajada@example.pe",
    ),
    (
        "entidad_publica",
        "Ministerio de Cultura",
        "Raúl Pinto Gamarra",
        "Jefe de comunicaciones",
        "01 618 9393",
        "comunicaciones.cultura@example.pe",
    ),
    (
        "empresa",
        "Sedapal",
        "Karina Olivares Ruiz",
        "Relaciones comunitarias",
        "01 317 8000",
        "relaciones.sedapal@example.pe",
    ),
]
LISTS = {
    "Prensa local": (
        "Medios de Lima y del distrito que cubren la información municipal.",
        ["Exitosa", "Willax TV", "Radio Pueblo Libre", "Agencia Andina", "Infobae Perú"],
        ["Sedapal"],
    ),
    "Medios nacionales": (
        "Diarios, radios y canales de alcance nacional.",
        [
            "El Comercio",
            "La República",
            "RPP Noticias",
            "Canal N",
            "TV Perú",
            "Radio Nacional",
            "Perú21",
            "Latina Noticias",
        ],
        ["Ministerio de Cultura", "Embajada de España en el Perú"],
    ),
}


class DemoBackend(EmailBackend):
    """Keeps the demo's emails in memory (no mail server needed) and refuses one address,
    as a full mailbox does, so the demo shows a failed delivery to retry."""

    def send_messages(self, messages):
        for message in messages:
            if BOUNCING in message.to:
                raise SMTPRecipientsRefused({BOUNCING: (452, b"4.2.2 Mailbox full")})
        return super().send_messages(messages)


def seed(users) -> int:
    """Idempotent; returns how many objects were created."""
    created = 0
    publicador = users["publicador"]
    outlets = {}
    with transaction.atomic():
        for name, outlet_type, coverage, website, people in MEDIA:
            outlet = MediaOutlet.objects.filter(name__iexact=name).first()
            if outlet is None:
                outlet = services.save_outlet(
                    publicador,
                    {"name": name, "outlet_type": outlet_type, "coverage_area": coverage, "website": website},
                )
                created += 1
            outlets[name] = outlet
            for full_name, beat, phone, email, accreditation in people:
                if Journalist.objects.filter(outlet=outlet, full_name=full_name).exists():
                    continue
                services.save_journalist(
                    publicador,
                    {
                        "outlet": outlet,
                        "full_name": full_name,
                        "beat": beat,
                        "phone": phone,
                        "email": email,
                        "accreditation_number": accreditation,
                        "accreditation_valid_until": (
                            timezone.localdate() + timedelta(days=200) if accreditation else None
                        ),
                    },
                )
                created += 1
        for kind, organization, full_name, position, phone, email in CONTACTS:
            if InstitutionalContact.objects.filter(email=email).exists():
                continue
            services.save_contact(
                publicador,
                {
                    "kind": kind,
                    "organization": organization,
                    "full_name": full_name,
                    "position": position,
                    "phone": phone,
                    "email": email,
                },
            )
            created += 1
        for name, (description, outlet_names, organizations) in LISTS.items():
            if DistributionList.objects.filter(name__iexact=name).exists():
                continue
            services.save_list(
                publicador,
                {"name": name, "description": description, "is_active": True},
                journalists=Journalist.objects.filter(outlet__name__in=outlet_names),
                contacts=InstitutionalContact.objects.filter(organization__in=organizations),
            )
            created += 1
    return created + _seed_distribution(users)


def _seed_distribution(users) -> int:
    from workflows.management.commands.seed_demo import TOKEN_NAMESPACE
    from workflows.models import MaterialRequest

    press_release = MaterialRequest.objects.filter(
        client_token=uuid.uuid5(TOKEN_NAMESPACE, PRESS_RELEASE_TITLE), state="publicado"
    ).first()
    if press_release is None or Distribution.objects.filter(request=press_release).exists():
        return 0
    distribution, _recipients = sending.distribute(
        users["publicador"],
        press_release,
        lists=list(DistributionList.objects.filter(name="Medios nacionales")),
        message="Estimados colegas: les compartimos la nota de prensa de hoy. Quedamos atentos a sus consultas.",
        enqueue=False,
    )
    sending.deliver(distribution.pk, connection=DemoBackend())
    return 1
