"""Demo data for the transparency register, called by `manage.py seed_demo` after the
requests exist (workflows/management/commands/seed_demo.py)."""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from workflows.management.commands.seed_demo import AGUA_SEGURA, TOKEN_NAMESPACE
from workflows.models import MaterialRequest

from . import services as transparency
from .models import TransparencyRequest


def seed(users) -> int:
    """One access-to-information request from a citizen about a published campaign,
    registered, linked and taken up by the transparencia officer."""
    token = uuid.uuid5(TOKEN_NAMESPACE, "transparencia:agua-segura")
    if TransparencyRequest.objects.filter(client_token=token).exists():
        return 0
    officer = users["transparencia"]
    campaign = MaterialRequest.objects.filter(client_token=uuid.uuid5(TOKEN_NAMESPACE, AGUA_SEGURA)).first()
    received_at = (timezone.localtime() - timedelta(days=3)).replace(hour=10, minute=30, second=0, microsecond=0)
    with transaction.atomic():
        entry = transparency.register_request(
            officer,
            data={
                "requester_name": "Julio César Ccahuana Huamaní",
                "requester_document_type": "dni",
                "requester_document_number": "40123456",
                "requester_email": "jccahuana@correo.example",
                "requester_phone": "987 654 321",
                "requester_address": "Jr. Ica 245, Pueblo Libre",
                "channel": "portal",
                "received_at": received_at,
                "requested_information": (
                    "Copia del expediente de la campaña «Agua segura en casa»: quién la aprobó y cuándo, "
                    "el presupuesto aprobado y los medios en que se difundió."
                ),
            },
            client_token=token,
            assigned_to=officer,
        )
        if campaign is not None:
            transparency.link_material_request(officer, entry, campaign)
        transparency.start_attention(officer, entry, comment="Se solicitó el expediente a la Oficina de Imagen.")
    return 1
