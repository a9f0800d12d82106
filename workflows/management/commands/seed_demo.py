"""Demo data for `make run`: a municipality, its units and users, and requests in every
state. Idempotent: every piece is found before it is made, so a second run changes nothing.
Requests are built through the services, so their history is real."""

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from importlib import import_module

from django.core import mail
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from core import taskqueue
from organization.roles import Role
from organization.services import ensure_municipality, ensure_unit, ensure_user
from workflows import services
from workflows.models import Kind, MaterialRequest

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo credentials, documented in the README
MUNICIPALITY = "Municipalidad Distrital de Pueblo Libre"
TOKEN_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4f7b-9d8a-0c5e2b7a9f10")

# (username, first name, last name, roles, unit codes); jefes are heads of their unit.
USERS = [
    ("jefe_rentas", "Teresa", "Salas Vega", (Role.JEFE_UNIDAD, Role.SOLICITANTE), ("rentas",)),
    ("rentas1", "Rosa", "Quispe Mamani", (Role.SOLICITANTE,), ("rentas",)),
    ("rentas2", "Jorge", "Huamán Torres", (Role.SOLICITANTE,), ("rentas",)),
    ("social1", "Lucía", "Flores Condori", (Role.SOLICITANTE,), ("desarrollo-social",)),
    ("obras1", "Miguel", "Rojas Salazar", (Role.SOLICITANTE,), ("obras",)),
    ("revisor1", "Carmen", "Vargas León", (Role.REVISOR,), ()),
    ("revisor2", "Luis", "Paredes Ríos", (Role.REVISOR,), ()),
    ("gerente", "Ana María", "Gutiérrez Soto", (Role.GERENTE,), ()),
    ("publicador", "Pedro", "Castillo Núñez", (Role.PUBLICADOR,), ()),
    ("transparencia", "Elena", "Ramírez Díaz", (Role.TRANSPARENCIA,), ()),
    ("auditor", "Víctor", "Mendoza Chávez", (Role.AUDITOR,), ()),
]
# The published campaign a citizen asks about in the transparency register.
AGUA_SEGURA = "Campaña «Agua segura en casa»"

# Apps whose demo data comes after the requests, in this order (reports read the others).
# Each has a demo.py with seed(users); they sit above workflows, so they are found by name.
OFFICE_APPS = ("transparency", "civic_calendar", "directory", "press", "reports")

UNITS = [
    ("rentas", "Gerencia de Rentas"),
    ("desarrollo-social", "Gerencia de Desarrollo Social"),
    ("obras", "Gerencia de Obras y Desarrollo Urbano"),
]


class Command(BaseCommand):
    help = "Carga los datos de demostración (idempotente)."

    def handle(self, *args, **options):
        # The notification emails the demo's history would send go nowhere: a summary says
        # how many, instead of the console backend printing hundreds of lines of them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            outbox_before = len(getattr(mail, "outbox", []))
            with transaction.atomic():
                users = self.seed_organization()
            # The coat of arms and the demo signing certificate, before the approvals whose
            # signed PDFs need them (documents sits above workflows: found by name).
            import_module("documents.demo").seed(users, users["_units"]["rentas"].municipality, self.stdout)
            created = self.seed_requests(users)
            # The office around the approvals (issue 8): each app seeds its own part.
            for app in OFFICE_APPS:
                import_module(f"{app}.demo").seed(users)
            # The emails and the signed PDFs queued after each commit, made in threads.
            taskqueue.wait_idle(timeout=300)
            emails = len(getattr(mail, "outbox", [])) - outbox_before
        self.stdout.write(self.style.SUCCESS(f"Datos de demostración listos ({created} solicitudes nuevas)."))
        if emails:
            self.stdout.write(f"{emails} correos de notificación de la demostración no se enviaron.")
        self.stdout.write(f"Usuarios de demostración (contraseña: {DEMO_PASSWORD}):")
        for username, _first, _last, roles, units in USERS:
            where = f" · {', '.join(units)}" if units else ""
            self.stdout.write(f"  {username:<14} {', '.join(str(r.label) for r in roles)}{where}")
        self.stdout.write("  admin          superusuario (administración)")

    def seed_organization(self):
        municipality = ensure_municipality(
            MUNICIPALITY, short_name="MDPL", address="Av. General Vivanco 859, Pueblo Libre, Lima"
        )
        units = {code: ensure_unit(municipality, code=code, name=name) for code, name in UNITS}
        users = {}
        for username, first, last, roles, unit_codes in USERS:
            users[username] = ensure_user(
                username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@pueblolibre.example",
                roles=roles,
                units=tuple(units[code] for code in unit_codes),
                head_of=tuple(units[code] for code in unit_codes) if Role.JEFE_UNIDAD in roles else (),
            )
        users["admin"] = ensure_user("admin", password=DEMO_PASSWORD, first_name="Administrador", is_superuser=True)
        users["_units"] = units
        return users

    def seed_requests(self, users) -> int:
        today = timezone.localdate()
        units = users["_units"]
        in_days = lambda days: today + timedelta(days=days)  # noqa: E731
        event_at = lambda days, hour: timezone.make_aware(datetime.combine(in_days(days), time(hour)))  # noqa: E731
        press = {
            "format": "nota_prensa",
            "channels": ["web", "facebook"],
            "lead": "",
            "contact": "Oficina de Imagen Institucional · prensa@pueblolibre.example",
        }
        plan = [
            (
                "rentas1",
                "rentas",
                Kind.PUBLICATION,
                "Descuentos en arbitrios municipales 2026",
                10,
                {**press, "lead": "La Municipalidad otorga descuentos de hasta 90 % en intereses por arbitrios."},
                ["submit", "forward", "approve", "publish"],
            ),
            (
                "rentas1",
                "rentas",
                Kind.CAMPAIGN,
                "Campaña tributaria «Paga y gana»",
                20,
                {
                    "campaign_type": "tributaria",
                    "objective": "Aumentar la recaudación del impuesto predial en 15 %.",
                    "audience": "Contribuyentes del distrito",
                    "channels": ["web", "facebook", "perifoneo"],
                    "start_date": in_days(25),
                    "end_date": in_days(85),
                    "budget": Decimal("12500.00"),
                },
                ["submit", "forward"],
            ),
            (
                "social1",
                "desarrollo-social",
                Kind.CAMPAIGN,
                "Prevención del dengue en temporada de lluvias",
                7,
                {
                    "campaign_type": "prevencion",
                    "objective": "Eliminar criaderos del zancudo en viviendas.",
                    "audience": "Familias del distrito",
                    "channels": ["radio", "facebook", "impreso"],
                    "start_date": in_days(8),
                    "end_date": in_days(60),
                    "budget": Decimal("8000.00"),
                },
                ["submit", "forward", "approve"],
            ),
            (
                "obras1",
                "obras",
                Kind.SPEECH,
                "Inauguración del Parque Los Próceres",
                12,
                {
                    "event_name": "Inauguración del Parque Los Próceres",
                    "place": "Parque Los Próceres, cuadra 5 de Av. Bolívar",
                    "event_at": event_at(14, 10),
                    "speaker": "Alcalde",
                    "duration_minutes": 10,
                    "key_messages": "Obra entregada en plazo.\nEspacio para las familias.\nInversión: S/ 1,2 millones.",
                },
                ["submit"],
            ),
            (
                "obras1",
                "obras",
                Kind.SIGNAGE,
                "Señalización de evacuación del Palacio Municipal",
                5,
                {
                    "premises": "Palacio Municipal",
                    "address": "Av. General Vivanco 859",
                    "location_detail": "Pisos 1 a 3",
                    "sign_type": "seguridad",
                    "dimensions": "30 × 20 cm",
                    "material": "Vinil fotoluminiscente sobre PVC",
                    "quantity": 24,
                    "sign_text": "SALIDA / ZONA SEGURA EN CASO DE SISMO",
                },
                ["submit", "forward", "approve", "publish"],
            ),
            (
                "social1",
                "desarrollo-social",
                Kind.PUBLICATION,
                "Boletín del Programa Vaso de Leche",
                15,
                {"format": "boletin", "channels": ["impreso", "web"], "lead": "", "contact": ""},
                [],
            ),
            (
                "rentas2",
                "rentas",
                Kind.PUBLICATION,
                "Vence la primera cuota del impuesto predial",
                4,
                {"format": "post_redes", "channels": ["facebook", "instagram"], "lead": "", "contact": ""},
                ["submit", "observe"],
            ),
            (
                "social1",
                "desarrollo-social",
                Kind.CAMPAIGN,
                "Campaña de reciclaje «Pueblo Libre Verde»",
                30,
                {
                    "campaign_type": "sensibilizacion",
                    "objective": "Duplicar los hogares que segregan residuos.",
                    "audience": "Juntas vecinales",
                    "channels": ["facebook", "mural"],
                    "start_date": in_days(35),
                    "end_date": in_days(95),
                    "budget": Decimal("3500.00"),
                },
                ["submit", "cancel"],
            ),
            (
                "social1",
                "desarrollo-social",
                Kind.SPEECH,
                "Saludo por el Día de la Madre",
                3,
                {
                    "event_name": "Homenaje a las madres del distrito",
                    "place": "Auditorio municipal",
                    "event_at": event_at(5, 17),
                    "speaker": "Alcalde",
                    "duration_minutes": 8,
                    "key_messages": "Reconocimiento a las madres líderes de los comedores populares.",
                },
                ["submit", "forward", "approve", "publish"],
            ),
            (
                "rentas2",
                "rentas",
                Kind.SIGNAGE,
                "Señalética de la agencia municipal de Rentas",
                20,
                {
                    "premises": "Agencia municipal de Rentas",
                    "address": "Jr. Andrés Rázuri 450",
                    "location_detail": "Hall de atención",
                    "sign_type": "identificacion",
                    "dimensions": "120 × 40 cm",
                    "material": "Acrílico",
                    "quantity": 3,
                    "sign_text": "Atención al contribuyente",
                },
                [],
            ),
            (
                "obras1",
                "obras",
                Kind.PUBLICATION,
                "Avance de la obra de la Av. Brasil",
                6,
                {**press, "lead": "La obra de mejoramiento de la Av. Brasil tiene un avance de 60 %."},
                ["submit", "forward", "approve", "publish", "withdraw"],
            ),
            (
                "social1",
                "desarrollo-social",
                Kind.PUBLICATION,
                "Revista institucional de aniversario",
                40,
                {"format": "revista", "channels": ["impreso"], "lead": "", "contact": ""},
                ["submit", "forward", "reject"],
            ),
            (
                "rentas2",
                "rentas",
                Kind.CAMPAIGN,
                "Campaña «Tu licencia en 24 horas»",
                18,
                {
                    "campaign_type": "publicitaria",
                    "objective": "Difundir la licencia de funcionamiento exprés.",
                    "audience": "Pequeños comerciantes",
                    "channels": ["facebook", "radio"],
                    "start_date": in_days(20),
                    "end_date": in_days(50),
                    "budget": Decimal("4200.00"),
                },
                ["submit"],
            ),
            (
                "obras1",
                "obras",
                Kind.PUBLICATION,
                "Cierre temporal de la Av. Sucre por obras",
                9,
                {"format": "contenido_web", "channels": ["web"], "lead": "", "contact": ""},
                ["submit", "forward"],
            ),
            (
                "rentas1",
                "rentas",
                Kind.SPEECH,
                "Ceremonia de premiación al vecino puntual",
                16,
                {
                    "event_name": "Premiación al vecino puntual",
                    "place": "Salón de actos",
                    "event_at": event_at(18, 11),
                    "speaker": "Alcalde",
                    "duration_minutes": 6,
                    "key_messages": "Agradecer a los contribuyentes puntuales.",
                },
                ["submit", "forward", "approve"],
            ),
            (
                "social1",
                "desarrollo-social",
                Kind.CAMPAIGN,
                AGUA_SEGURA,
                2,
                {
                    "campaign_type": "sensibilizacion",
                    "objective": "Reducir las enfermedades diarreicas con el tratamiento del agua en casa.",
                    "audience": "Familias de los asentamientos humanos",
                    "channels": ["radio", "facebook", "perifoneo"],
                    "start_date": in_days(3),
                    "end_date": in_days(45),
                    "budget": Decimal("6800.00"),
                },
                ["submit", "forward", "approve", "publish"],
            ),
        ]
        actors = {
            "submit": None,  # the author
            "cancel": None,
            "forward": "revisor1",
            "observe": "revisor2",
            "approve": "gerente",
            "reject": "gerente",
            "publish": "publicador",
            "withdraw": "gerente",
        }
        reasons = {
            "observe": "Precisar la fecha de vencimiento y añadir los canales de pago.",
            "cancel": "La unidad reprogramó la campaña para el próximo año.",
            "reject": "No hay presupuesto aprobado para la edición impresa este año.",
            "withdraw": "El porcentaje de avance publicado no coincidía con el informe de obra.",
        }
        created = 0
        for username, unit_code, kind, title, days, details, steps in plan:
            token = uuid.uuid5(TOKEN_NAMESPACE, title)
            if MaterialRequest.objects.filter(client_token=token).exists():
                continue
            author = users[username]
            with transaction.atomic():
                material_request = services.create_request(
                    author,
                    unit=units[unit_code],
                    kind=kind,
                    fields={
                        "title": title,
                        "requested_by": in_days(days),
                        "summary": f"Solicitud de {kind.label.lower()}: {title}.",
                        "body": f"{title}.\n\nTexto de trabajo de la unidad para la Oficina de Comunicaciones.",
                    },
                    details=details,
                    client_token=token,
                )
                for step in steps:
                    actor = users[actors[step]] if actors[step] else author
                    kwargs = {"comment": reasons.get(step, "")}
                    if step == "publish":
                        kwargs.update(
                            channel="Portal web y redes sociales", date=today, url="https://www.example.gob.pe/noticias"
                        )
                    material_request = services.ACTION_SERVICES[step](actor, material_request, **kwargs)
            created += 1
        return created
