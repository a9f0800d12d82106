"""What the audit log's stored codes read as for people.

Action codes are data: every `record_event(action=...)` of the project has a label here
(collected from the services, the account signals, workflows.policies.ACTIONS and the
transparency register's actions). A code
without one (written by code newer than this map) shows as itself, never as an error.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # workflows: the request's content and lifecycle
    "create": _("Creación del borrador"),
    "edit": _("Edición del contenido"),
    "reopen": _("Vuelta a aprobación por cambios"),
    "submit": _("Envío a revisión"),
    "forward": _("Derivación a aprobación"),
    "observe": _("Devolución con observaciones"),
    "return": _("Devolución a la unidad"),
    "approve": _("Aprobación"),
    "reject": _("Rechazo"),
    "publish": _("Registro de la publicación"),
    "urgent_publish": _("Publicación urgente"),
    "post_review": _("Revisión posterior"),
    "cancel": _("Anulación"),
    "withdraw": _("Retiro de la publicación"),
    "attach": _("Adjunto agregado"),
    "detach": _("Adjunto quitado"),
    "share": _("Solicitud compartida"),
    "unshare": _("Se dejó de compartir"),
    "schedule_publication": _("Publicación programada"),
    "unschedule_publication": _("Publicación programada anulada"),
    # documents
    "download": _("Descarga de documento"),
    # media monitoring (press)
    "coverage_record": _("Cobertura en medios registrada"),
    "coverage_edit": _("Cobertura en medios corregida"),
    # approvals: the flow's tasks
    "take_task": _("Tarea tomada"),
    "release_task": _("Tarea liberada"),
    "reassign_task": _("Tarea reasignada"),
    # organization
    "delegate": _("Encargatura otorgada"),
    "revoke_delegation": _("Encargatura revocada"),
    # accounts (audit.signals)
    "login": _("Inicio de sesión"),
    "logout": _("Cierre de sesión"),
    "login_failed": _("Intento de ingreso fallido"),
    "lockout": _("Cuenta bloqueada por intentos fallidos"),
    "group_added": _("Rol o unidad asignados"),
    "group_removed": _("Rol o unidad retirados"),
    # the transparency register (audit.transparency)
    "transparency_register": _("Pedido de acceso a la información registrado"),
    "transparency_update": _("Pedido de acceso a la información modificado"),
    "transparency_assign": _("Pedido de acceso asignado"),
    "transparency_start": _("Atención del pedido de acceso iniciada"),
    "transparency_extend": _("Prórroga del pedido de acceso comunicada"),
    "transparency_answer": _("Respuesta al pedido de acceso registrada"),
    "transparency_deny": _("Pedido de acceso denegado"),
    "transparency_archive": _("Pedido de acceso archivado"),
    "transparency_link_request": _("Solicitud vinculada a un pedido de acceso"),
    "transparency_unlink_request": _("Solicitud desvinculada de un pedido de acceso"),
    "transparency_link_document": _("Documento vinculado a un pedido de acceso"),
    "transparency_unlink_document": _("Documento desvinculado de un pedido de acceso"),
    "transparency_recompute": _("Plazos de pedidos de acceso recalculados"),
    # the civic calendar (civic_calendar)
    "calendar_create": _("Evento del calendario registrado"),
    "calendar_update": _("Evento del calendario modificado"),
    "calendar_cancel": _("Evento del calendario anulado"),
    "calendar_add_need": _("Material necesario agregado a un evento"),
    "calendar_remove_need": _("Material necesario quitado de un evento"),
    "calendar_spawn": _("Solicitud generada desde el calendario cívico"),
    "calendar_link_request": _("Solicitud vinculada al calendario cívico"),
    "calendar_feed_token": _("Dirección de suscripción al calendario renovada"),
    "calendar_feed_revoke": _("Dirección de suscripción al calendario revocada"),
    "calendar_lead_time": _("Anticipación por tipo modificada"),
    "calendar_lead_time_delete": _("Anticipación por tipo eliminada"),
    # the media directory and press-release distribution (directory)
    "directory_create": _("Registro en el directorio de medios"),
    "directory_update": _("Cambio en el directorio de medios"),
    "directory_list_members": _("Miembros de una lista de difusión cambiados"),
    "directory_import": _("Importación al directorio de medios"),
    "directory_export": _("Exportación del directorio de medios"),
    "distribution_send": _("Nota de prensa difundida a medios"),
    "distribution_result": _("Resultado del envío a medios"),
    "distribution_retry": _("Reintento de envíos fallidos a medios"),
    # the monthly report and the memoria anual (reports)
    "report_generate": _("Informe generado"),
    "report_download": _("Descarga de un informe"),
    # the audit log itself
    # the log's CSV/XLSX exports and the dossiers (data["format"] tells them apart)
    "export": _("Exportación"),
    "export_download": _("Descarga de una exportación"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def action_choices() -> list[tuple[str, str]]:
    """The filter's choices, sorted by what they read as."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda choice: choice[1])


def state_label(code: str) -> str:
    """A material request's state or an access-to-information request's (their codes differ)."""
    from audit.transparency.models import State as TransparencyState
    from workflows.models import State

    for states in (State, TransparencyState):
        if code in states.values:
            return str(states(code).label)
    return code


def kind_label(code: str) -> str:
    from workflows.models import Kind

    return str(Kind(code).label) if code in Kind.values else code
