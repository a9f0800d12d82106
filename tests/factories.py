"""Test data built through the services, so tests walk the same path as users."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from organization.roles import Role
from organization.services import ensure_municipality, ensure_unit, ensure_user
from workflows import services
from workflows.models import Kind, State

PASSWORD = "demo12345"


def build_organization():
    municipality = ensure_municipality("Municipalidad Distrital de Prueba")
    units = {
        "rentas": ensure_unit(municipality, code="rentas", name="Rentas"),
        "social": ensure_unit(municipality, code="social", name="Desarrollo Social"),
        "obras": ensure_unit(municipality, code="obras", name="Obras"),
    }
    spec = {
        "rentas1": ((Role.SOLICITANTE,), ("rentas",)),
        "rentas2": ((Role.SOLICITANTE,), ("rentas",)),
        "social1": ((Role.SOLICITANTE,), ("social",)),
        "obras1": ((Role.SOLICITANTE,), ("obras",)),
        "revisor1": ((Role.REVISOR,), ()),
        "revisor2": ((Role.REVISOR,), ()),
        "gerente": ((Role.GERENTE,), ()),
        "publicador": ((Role.PUBLICADOR,), ()),
        "transparencia": ((Role.TRANSPARENCIA,), ()),
        "auditor": ((Role.AUDITOR,), ()),
        "nobody": ((), ()),
        # A reviewer who also belongs to a unit: the self-review rule applies to them.
        "revisor_rentas": ((Role.REVISOR, Role.SOLICITANTE), ("rentas",)),
        "gerente_rentas": ((Role.GERENTE, Role.SOLICITANTE), ("rentas",)),
        "publicador_rentas": ((Role.PUBLICADOR, Role.SOLICITANTE), ("rentas",)),
    }
    users = {
        name: ensure_user(name, password=PASSWORD, roles=roles, units=tuple(units[code] for code in unit_codes))
        for name, (roles, unit_codes) in spec.items()
    }
    users["admin"] = ensure_user("admin", password=PASSWORD, is_superuser=True)
    return units, users


def default_fields(**overrides):
    fields = {
        "title": "Campaña de vacunación canina",
        "requested_by": timezone.localdate() + timedelta(days=10),
        "summary": "Difundir la campaña gratuita de vacunación antirrábica.",
        "body": "Texto de la nota.",
    }
    fields.update(overrides)
    return fields


def default_details(kind: Kind, **overrides):
    today = timezone.localdate()
    details = {
        Kind.PUBLICATION: {
            "format": "nota_prensa",
            "channels": ["web", "facebook"],
            "lead": "Entradilla",
            "contact": "",
        },
        Kind.CAMPAIGN: {
            "campaign_type": "prevencion",
            "objective": "Vacunar 5 000 perros.",
            "audience": "Vecinos con mascotas",
            "channels": ["radio", "facebook"],
            "start_date": today + timedelta(days=5),
            "end_date": today + timedelta(days=20),
            "budget": Decimal("1500.00"),
        },
        Kind.SPEECH: {
            "event_name": "Aniversario del distrito",
            "place": "Plaza principal",
            "event_at": timezone.now() + timedelta(days=7),
            "speaker": "Alcalde",
            "duration_minutes": 10,
            "key_messages": "Gracias a los vecinos.",
        },
        Kind.SIGNAGE: {
            "premises": "Palacio municipal",
            "address": "Av. Principal 100",
            "location_detail": "Primer piso",
            "sign_type": "seguridad",
            "dimensions": "30 × 20 cm",
            "material": "PVC",
            "quantity": 4,
            "sign_text": "SALIDA",
        },
    }[Kind(kind)]
    details.update(overrides)
    return details


def create_request(author, unit, kind=Kind.CAMPAIGN, **field_overrides):
    return services.create_request(
        author, unit=unit, kind=kind, fields=default_fields(**field_overrides), details=default_details(kind)
    )


# The path from a fresh draft to each state, and who takes each step.
PATHS = {
    State.DRAFT: [],
    State.IN_REVIEW: ["submit"],
    State.PENDING_APPROVAL: ["submit", "forward"],
    State.APPROVED: ["submit", "forward", "approve"],
    State.PUBLISHED: ["submit", "forward", "approve", "publish"],
    State.CANCELLED: ["cancel"],
    State.WITHDRAWN: ["submit", "forward", "approve", "publish", "withdraw"],
}
STEP_ACTORS = {
    "forward": "revisor1",
    "observe": "revisor1",
    "approve": "gerente",
    "return": "gerente",
    "reject": "gerente",
    "publish": "publicador",
    "withdraw": "gerente",
}


def step_kwargs(step):
    kwargs = {"comment": "Motivo de prueba" if step in ("observe", "return", "reject", "cancel", "withdraw") else ""}
    if step == "publish":
        kwargs.update(channel="Portal web", date=timezone.localdate(), url="https://example.gob.pe/n/1")
    return kwargs


def advance(material_request, state, users):
    for step in PATHS[State(state)]:
        actor = users[STEP_ACTORS[step]] if step in STEP_ACTORS else material_request.author
        material_request = services.ACTION_SERVICES[step](actor, material_request, **step_kwargs(step))
    return material_request


def request_in_state(users, units, state, kind=Kind.CAMPAIGN, author="rentas1", unit="rentas"):
    return advance(create_request(users[author], units[unit], kind), state, users)
