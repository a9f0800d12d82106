"""The office's roles. Each one is a Django group whose name is the role's code."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SOLICITANTE = "solicitante", _("Solicitante")
    JEFE_UNIDAD = "jefe_unidad", _("Jefe de unidad")
    REVISOR = "revisor", _("Revisor de comunicaciones")
    GERENTE = "gerente", _("Gerente de comunicaciones")
    PUBLICADOR = "publicador", _("Publicador")
    TRANSPARENCIA = "transparencia", _("Responsable de transparencia")
    AUDITOR = "auditor", _("Auditor (OCI)")


# Roles of the communications office itself, as opposed to the requesting units.
OFFICE_ROLES = frozenset({Role.REVISOR, Role.GERENTE, Role.PUBLICADOR})
READ_ONLY_ROLES = frozenset({Role.TRANSPARENCIA, Role.AUDITOR})
