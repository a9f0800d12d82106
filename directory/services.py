"""Every change to the directory happens here, each in one transaction with its audit
event: outlets, journalists, institutional contacts, distribution lists, CSV imports and
exports. Sending press releases: directory.distribution.

A service checks that the actor may change the directory (403), normalizes and validates
the data (400, every field error at once, in Spanish), writes, and records the event on
the object's own chain. Audit events name the fields that changed, never their values:
names, phones and emails of the people in the directory stay out of the log.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import record_event
from workflows.exceptions import ActionNotAvailable, InvalidInput

from . import importing, policies
from .models import DistributionList, ImportBatch, InstitutionalContact, Journalist, MediaOutlet

# How long an uploaded CSV waits for its confirmation.
PREVIEW_TTL = timedelta(minutes=30)
# Uploads older than this lose their content (personal data) even if never confirmed.
PURGE_AFTER = timedelta(days=1)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024

OUTLET_FIELDS = ("name", "outlet_type", "coverage_area", "website", "phone", "email", "is_active")
JOURNALIST_FIELDS = (
    "outlet",
    "full_name",
    "beat",
    "phone",
    "email",
    "accreditation_number",
    "accreditation_valid_until",
    "notes",
    "is_active",
)
CONTACT_FIELDS = ("kind", "organization", "full_name", "position", "phone", "email", "notes", "is_active")
LIST_FIELDS = ("name", "description", "is_active")


def _text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _normalize(data: dict, fields: tuple) -> dict:
    clean = {}
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        if name == "email":
            value = (value or "").strip().lower()
        elif name == "notes":
            value = (value or "").strip()
        elif isinstance(value, str) or (value is None and name not in ("outlet", "accreditation_valid_until")):
            value = _text(value)
        clean[name] = value
    return clean


def _assign(instance, data: dict) -> list[str]:
    changed = []
    for name, value in data.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            # Compared by id: an unsaved instance has no related object to read.
            current, wanted = getattr(instance, model_field.attname), getattr(value, "pk", value)
        else:
            current, wanted = getattr(instance, name), value
        if current != wanted:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _model_errors(instance, exclude=()) -> dict[str, list[str]]:
    try:
        instance.full_clean(exclude=["created_by", *exclude], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return error.message_dict
    return {}


def _phone_errors(instance, errors):
    if instance.phone:
        instance.phone, problem = importing.clean_phone(instance.phone)
        if problem:
            errors.setdefault("phone", []).append(problem)


def _raise(errors: dict) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(
            first if len(errors) == 1 else _("Revise los datos: hay campos con errores."), field_errors=errors
        )


def _duplicate_email(model, instance) -> str | None:
    if not instance.email:
        return None
    other = model.objects.filter(email__iexact=instance.email).exclude(pk=instance.pk).first()
    if other is None:
        return None
    return _("El correo %(email)s ya está registrado en el directorio: %(who)s.") % {
        "email": instance.email,
        "who": str(other),
    }


def _save(actor, instance, changed: list[str], *, created: bool, duplicate_message: str):
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        # Someone else saved the same email or name in the meantime.
        raise InvalidInput(duplicate_message) from error
    record_event(
        actor=actor,
        action="directory_create" if created else "directory_update",
        target=instance,
        data={"model": instance._meta.model_name, "fields": sorted(changed)},
    )
    return instance


def _locked(model, instance):
    return model.objects.select_for_update().get(pk=instance.pk)


# --- outlets, journalists, contacts -------------------------------------------------------


def save_outlet(actor, data: dict, instance: MediaOutlet | None = None) -> MediaOutlet:
    policies.check_editor(actor)
    data = _normalize(data, OUTLET_FIELDS)
    with transaction.atomic():
        target = _locked(MediaOutlet, instance) if instance else MediaOutlet(created_by=actor)
        changed = _assign(target, data)
        if instance and not changed:
            return target
        errors = _model_errors(target)
        _phone_errors(target, errors)
        if target.name and MediaOutlet.objects.filter(name__iexact=target.name).exclude(pk=target.pk).exists():
            errors.setdefault("name", []).append(_("Ya existe un medio con ese nombre."))
        _raise(errors)
        return _save(
            actor, target, changed, created=instance is None, duplicate_message=_("Ya existe un medio con ese nombre.")
        )


def save_journalist(actor, data: dict, instance: Journalist | None = None) -> Journalist:
    policies.check_editor(actor)
    data = _normalize(data, JOURNALIST_FIELDS)
    with transaction.atomic():
        target = _locked(Journalist, instance) if instance else Journalist(created_by=actor)
        previous_outlet = target.outlet_id if instance else None
        changed = _assign(target, data)
        if instance and not changed:
            return target
        errors = _model_errors(target)
        _phone_errors(target, errors)
        if target.outlet_id and target.outlet_id != previous_outlet and not target.outlet.is_active:
            errors.setdefault("outlet", []).append(_("Ese medio está desactivado: actívelo antes o elija otro."))
        duplicate = _duplicate_email(Journalist, target)
        if duplicate:
            errors.setdefault("email", []).append(duplicate)
        _raise(errors)
        return _save(
            actor,
            target,
            changed,
            created=instance is None,
            duplicate_message=_("Otro periodista ya tiene ese correo."),
        )


def save_contact(actor, data: dict, instance: InstitutionalContact | None = None) -> InstitutionalContact:
    policies.check_editor(actor)
    data = _normalize(data, CONTACT_FIELDS)
    with transaction.atomic():
        target = _locked(InstitutionalContact, instance) if instance else InstitutionalContact(created_by=actor)
        changed = _assign(target, data)
        if instance and not changed:
            return target
        errors = _model_errors(target)
        _phone_errors(target, errors)
        duplicate = _duplicate_email(InstitutionalContact, target)
        if duplicate:
            errors.setdefault("email", []).append(duplicate)
        _raise(errors)
        return _save(
            actor,
            target,
            changed,
            created=instance is None,
            duplicate_message=_("Otro contacto institucional ya tiene ese correo."),
        )


# --- distribution lists ---------------------------------------------------------------------


def save_list(
    actor, data: dict, *, journalists=(), contacts=(), instance: DistributionList | None = None
) -> DistributionList:
    """Name, description, active flag and the members (replaced by those given)."""
    policies.check_editor(actor)
    data = _normalize(data, LIST_FIELDS)
    journalist_ids = {j.pk for j in journalists}
    contact_ids = {c.pk for c in contacts}
    with transaction.atomic():
        target = _locked(DistributionList, instance) if instance else DistributionList(created_by=actor)
        changed = _assign(target, data)
        errors = _model_errors(target)
        if target.name and DistributionList.objects.filter(name__iexact=target.name).exclude(pk=target.pk).exists():
            errors.setdefault("name", []).append(_("Ya existe una lista con ese nombre."))
        old_journalists = set(target.journalists.values_list("pk", flat=True)) if target.pk else set()
        old_contacts = set(target.contacts.values_list("pk", flat=True)) if target.pk else set()
        # New members must be active; members already in the list may stay while inactive.
        inactive = Journalist.objects.filter(pk__in=journalist_ids - old_journalists, is_active=False).count()
        inactive += InstitutionalContact.objects.filter(pk__in=contact_ids - old_contacts, is_active=False).count()
        if inactive:
            errors.setdefault(None, []).append(_("No se agregan a una lista personas desactivadas."))
        _raise({key or "__all__": value for key, value in errors.items()})
        members_changed = journalist_ids != old_journalists or contact_ids != old_contacts
        if instance and not changed and not members_changed:
            return target
        _save(
            actor,
            target,
            changed,
            created=instance is None,
            duplicate_message=_("Ya existe una lista con ese nombre."),
        )
        if members_changed:
            target.journalists.set(journalist_ids)
            target.contacts.set(contact_ids)
            record_event(
                actor=actor,
                action="directory_list_members",
                target=target,
                data={
                    "journalists_added": sorted(journalist_ids - old_journalists),
                    "journalists_removed": sorted(old_journalists - journalist_ids),
                    "contacts_added": sorted(contact_ids - old_contacts),
                    "contacts_removed": sorted(old_contacts - contact_ids),
                },
            )
        return target


# --- CSV import -----------------------------------------------------------------------------


@dataclass
class RowResult:
    line: int
    values: dict  # cleaned as the rows are checked
    errors: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # as in the file, for the preview

    def cells(self, columns) -> list[str]:
        return [self.raw.get(column.name, "") for column in columns]


@dataclass
class Preview:
    batch: ImportBatch
    parsed: importing.Parsed
    rows: list[RowResult]
    new_outlets: list[str]

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.error_rows


def purge_old_uploads(now=None) -> int:
    """Clear the content of uploads never confirmed: it holds personal data."""
    now = now or timezone.now()
    return (
        ImportBatch.objects.filter(uploaded_at__lt=now - PURGE_AFTER, imported_at__isnull=True)
        .exclude(content="")
        .update(content="")
    )


def upload_import(actor, *, kind: str, filename: str, data: bytes) -> ImportBatch:
    """Store an uploaded CSV for its preview. A file that cannot be read as a whole (size,
    encoding, missing columns) is refused here and nothing of it is kept."""
    policies.check_editor(actor)
    if kind not in ImportBatch.Kind.values:
        raise InvalidInput(_("Elija qué se importa: periodistas o contactos institucionales."))
    check_upload_size(len(data))
    try:
        text = importing.decode(data)
        parsed = importing.parse(kind, text)
    except importing.FileRefused as error:
        raise InvalidInput(error.message, field_errors={"file": [error.message]}) from error
    with transaction.atomic():
        purge_old_uploads()
        batch = ImportBatch(
            token=uuid.uuid4(),
            kind=kind,
            filename=(filename or "archivo.csv")[:200],
            content=text,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            row_count=len(parsed.rows),
            uploaded_by=actor,
        )
        batch.save()
        preview = build_preview(batch)
        batch.error_count = len(preview.error_rows)
        batch.save(update_fields=["error_count"])
    return batch


def check_upload_size(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        message = _("El archivo pesa %(size)s; el máximo es %(max)s. Divídalo en archivos más pequeños.") % {
            "size": _megabytes(size),
            "max": _megabytes(MAX_UPLOAD_BYTES),
        }
        raise InvalidInput(message, field_errors={"file": [message]})


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def get_batch(user, token) -> ImportBatch:
    """The user's own upload (404 for anyone else's, or a token never handed out)."""
    from django.http import Http404

    policies.require_reader(user)
    batch = ImportBatch.objects.filter(token=token, uploaded_by=user).first()
    if batch is None:
        raise Http404(_("No existe esa importación."))
    return batch


def check_usable(batch: ImportBatch, now=None) -> None:
    """A preview is confirmed once, within PREVIEW_TTL of its upload, from its stored content."""
    now = now or timezone.now()
    if batch.imported_at is not None:
        raise ActionNotAvailable(
            _("Esta importación ya se confirmó el %(when)s (%(n)d registros). Suba el archivo de nuevo si hace falta.")
            % {"when": timezone.localtime(batch.imported_at).strftime("%d/%m/%Y %H:%M"), "n": batch.imported_count}
        )
    if not batch.content or batch.uploaded_at < now - PREVIEW_TTL:
        raise ActionNotAvailable(
            _(
                "La vista previa caducó (se conserva %(minutes)d minutos) y ya no se puede confirmar. "
                "Vuelva a subir el archivo."
            )
            % {"minutes": PREVIEW_TTL.total_seconds() // 60}
        )
    if hashlib.sha256(_stored_bytes(batch)).hexdigest() != batch.sha256:
        raise ActionNotAvailable(
            _("El archivo guardado para la vista previa no coincide con el subido. Súbalo de nuevo.")
        )


def _stored_bytes(batch: ImportBatch) -> bytes:
    # The upload's bytes were UTF-8, with or without a BOM; the hash covers them as uploaded.
    data = batch.content.encode("utf-8")
    if hashlib.sha256(data).hexdigest() != batch.sha256:
        data = b"\xef\xbb\xbf" + data
    return data


def build_preview(batch: ImportBatch) -> Preview:
    """Every row of the stored file with its errors, checked against the directory as it
    is now. A fixed number of queries whatever the number of rows."""
    parsed = importing.parse(batch.kind, batch.content)
    if batch.kind == ImportBatch.Kind.JOURNALISTS:
        rows, new_outlets = _check_journalist_rows(parsed)
    else:
        rows, new_outlets = _check_contact_rows(parsed), []
    return Preview(batch, parsed, rows, new_outlets)


def _email_checks(parsed, rows: list[RowResult], existing: dict[str, str]) -> None:
    """Emails: valid, once in the file, not already in the directory (same kind of person)."""
    seen: dict[str, list[int]] = {}
    for row in rows:
        email, problem = importing.clean_email(row.values.get("correo", ""))
        row.values["correo"] = email
        if problem:
            row.errors.append(problem)
        elif email:
            seen.setdefault(email, []).append(row.line)
    for row in rows:
        email = row.values["correo"]
        lines = seen.get(email, [])
        if len(lines) > 1:
            others = [str(line) for line in lines if line != row.line]
            row.errors.append(
                ngettext(
                    "El correo %(email)s está repetido en el archivo: también en la fila %(lines)s.",
                    "El correo %(email)s está repetido en el archivo: también en las filas %(lines)s.",
                    len(others),
                )
                % {"email": email, "lines": ", ".join(others)}
            )
        if email and email in existing:
            row.errors.append(
                _("El correo %(email)s ya está registrado en el directorio: %(who)s.")
                % {"email": email, "who": existing[email]}
            )


def _common_checks(parsed, row: RowResult) -> None:
    row.errors.extend(parsed.shape_errors.get(row.line, []))
    if not row.values.get("nombre"):
        row.errors.append(_("Falta el nombre."))
    elif len(row.values["nombre"]) > 150:
        row.errors.append(_("El nombre pasa de 150 caracteres."))
    phone, problem = importing.clean_phone(row.values.get("telefono", ""))
    row.values["telefono"] = phone
    if problem:
        row.errors.append(problem)


def _check_journalist_rows(parsed) -> tuple[list[RowResult], list[str]]:
    types, areas = importing.outlet_types(), importing.coverage_areas()
    outlets = {
        name.lower(): (outlet_type, active)
        for name, outlet_type, active in MediaOutlet.objects.values_list("name", "outlet_type", "is_active")
    }
    existing = {
        email: f"{name} ({outlet})"
        for email, name, outlet in Journalist.objects.exclude(email="").values_list(
            "email", "full_name", "outlet__name"
        )
    }
    rows = [RowResult(line, dict(values), raw=values) for line, values in parsed.rows]
    new_outlets: dict[str, tuple[str, int]] = {}  # lower name -> (type, first line)
    for row in rows:
        values = row.values
        _common_checks(parsed, row)
        outlet_name = _text(values.get("medio"))
        values["medio"] = outlet_name
        outlet_type = types.get(importing.normalize(values.get("tipo_medio", "")))
        if not outlet_name:
            row.errors.append(_("Falta el medio."))
        elif len(outlet_name) > 150:
            row.errors.append(_("El nombre del medio pasa de 150 caracteres."))
        if outlet_type is None:
            row.errors.append(
                _("Tipo de medio «%(value)s» desconocido: use %(accepted)s.")
                % {"value": values.get("tipo_medio", ""), "accepted": _accepted_types()}
            )
        values["tipo_medio"] = outlet_type or values.get("tipo_medio", "")
        if outlet_name and outlet_type:
            known = outlets.get(outlet_name.lower())
            if known is not None:
                if known[0] != outlet_type:
                    row.errors.append(
                        _("El medio «%(name)s» ya está en el directorio como %(type)s.")
                        % {"name": outlet_name, "type": _type_label(known[0])}
                    )
                elif not known[1]:
                    row.errors.append(
                        _("El medio «%(name)s» está desactivado en el directorio.") % {"name": outlet_name}
                    )
            else:
                first = new_outlets.setdefault(outlet_name.lower(), (outlet_type, row.line))
                if first[0] != outlet_type:
                    row.errors.append(
                        _("El medio «%(name)s» figura en la fila %(line)d con otro tipo (%(type)s).")
                        % {"name": outlet_name, "line": first[1], "type": _type_label(first[0])}
                    )
        coverage = values.get("cobertura", "")
        if coverage:
            area = areas.get(importing.normalize(coverage))
            if area is None:
                row.errors.append(
                    _("Cobertura «%(value)s» desconocida: use %(accepted)s.")
                    % {"value": coverage, "accepted": importing.accepted(areas, _coverage_choices())}
                )
            values["cobertura"] = area or coverage
        if len(values.get("fuente", "")) > 80:
            row.errors.append(_("La fuente pasa de 80 caracteres."))
        if len(values.get("acreditacion", "")) > 40:
            row.errors.append(_("El número de acreditación pasa de 40 caracteres."))
        valid_until = values.get("acreditacion_vence", "")
        values["acreditacion_vence_fecha"] = None
        if valid_until:
            try:
                values["acreditacion_vence_fecha"] = importing.parse_date(valid_until)
            except ValueError:
                row.errors.append(
                    _("La fecha «%(value)s» no es válida: use día/mes/año (31/12/2026).") % {"value": valid_until}
                )
    _email_checks(parsed, rows, existing)
    return rows, sorted({row.values["medio"] for row in rows if row.values["medio"].lower() in new_outlets})


def _check_contact_rows(parsed) -> list[RowResult]:
    kinds = importing.contact_kinds()
    existing = {
        email: f"{name} ({organization})"
        for email, name, organization in InstitutionalContact.objects.exclude(email="").values_list(
            "email", "full_name", "organization"
        )
    }
    rows = [RowResult(line, dict(values), raw=values) for line, values in parsed.rows]
    for row in rows:
        values = row.values
        _common_checks(parsed, row)
        kind = kinds.get(importing.normalize(values.get("tipo", "")))
        if kind is None:
            row.errors.append(
                _("Tipo de institución «%(value)s» desconocido: use %(accepted)s.")
                % {"value": values.get("tipo", ""), "accepted": _accepted_kinds()}
            )
        values["tipo"] = kind or values.get("tipo", "")
        values["institucion"] = _text(values.get("institucion"))
        if not values["institucion"]:
            row.errors.append(_("Falta la institución."))
        elif len(values["institucion"]) > 200:
            row.errors.append(_("El nombre de la institución pasa de 200 caracteres."))
        if len(values.get("cargo", "")) > 150:
            row.errors.append(_("El cargo pasa de 150 caracteres."))
    _email_checks(parsed, rows, existing)
    return rows


def _type_label(code: str) -> str:
    from .models import OutletType

    return str(OutletType(code).label)


def _accepted_types() -> str:
    from .models import OutletType

    return ", ".join(f"«{label}»" for _value, label in OutletType.choices)


def _accepted_kinds() -> str:
    from .models import ContactKind

    return ", ".join(f"«{label}»" for _value, label in ContactKind.choices)


def _coverage_choices():
    from .models import CoverageArea

    return CoverageArea.choices


def confirm_import(actor, batch: ImportBatch) -> int:
    """Import every row of the stored file in one transaction, or nothing: the rows are
    checked again against the directory as it is now, and any error refuses the whole
    file. Returns how many people were added."""
    policies.check_editor(actor)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        check_usable(batch)
        preview = build_preview(batch)
        if not preview.ok:
            bad = [str(row.line) for row in preview.error_rows]
            raise InvalidInput(
                ngettext(
                    "No se importó nada: la fila %(lines)s tiene errores. Corrija el archivo y vuelva a subirlo.",
                    "No se importó nada: las filas %(lines)s tienen errores. Corrija el archivo y vuelva a subirlo.",
                    len(bad),
                )
                % {"lines": _line_list(bad)}
            )
        try:
            with transaction.atomic():
                if batch.kind == ImportBatch.Kind.JOURNALISTS:
                    count, outlets = _create_journalists(actor, preview)
                else:
                    count, outlets = _create_contacts(actor, preview), 0
        except IntegrityError as error:
            raise InvalidInput(
                _(
                    "No se importó nada: otra persona registró al mismo tiempo alguno de estos correos o medios. "
                    "Vuelva a subir el archivo para ver la vista previa actualizada."
                )
            ) from error
        batch.imported_at = timezone.now()
        batch.imported_count = count
        batch.content = ""
        batch.save(update_fields=["imported_at", "imported_count", "content"])
        record_event(
            actor=actor,
            action="directory_import",
            target=batch,
            data={
                "kind": batch.kind,
                "rows": count,
                "new_outlets": outlets,
                "file_sha256": batch.sha256,
                "size": batch.size,
            },
        )
    return count


def _line_list(lines: list[str], limit: int = 20) -> str:
    if len(lines) <= limit:
        return ", ".join(lines)
    return ", ".join(lines[:limit]) + _(" y %(n)d más") % {"n": len(lines) - limit}


def _create_journalists(actor, preview: Preview) -> tuple[int, int]:
    outlets = {outlet.name.lower(): outlet for outlet in MediaOutlet.objects.all()}
    created_outlets = 0
    people = []
    for row in preview.rows:
        values = row.values
        key = values["medio"].lower()
        if key not in outlets:
            outlets[key] = MediaOutlet.objects.create(
                name=values["medio"],
                outlet_type=values["tipo_medio"],
                coverage_area=values.get("cobertura") or MediaOutlet._meta.get_field("coverage_area").default,
                created_by=actor,
            )
            created_outlets += 1
        people.append(
            Journalist(
                outlet=outlets[key],
                full_name=_text(values["nombre"]),
                beat=_text(values.get("fuente", "")),
                phone=values.get("telefono", ""),
                email=values["correo"],
                accreditation_number=_text(values.get("acreditacion", "")),
                accreditation_valid_until=values.get("acreditacion_vence_fecha"),
                created_by=actor,
            )
        )
    Journalist.objects.bulk_create(people, batch_size=500)
    return len(people), created_outlets


def _create_contacts(actor, preview: Preview) -> int:
    people = [
        InstitutionalContact(
            kind=row.values["tipo"],
            organization=row.values["institucion"],
            full_name=_text(row.values["nombre"]),
            position=_text(row.values.get("cargo", "")),
            phone=row.values.get("telefono", ""),
            email=row.values["correo"],
            created_by=actor,
        )
        for row in preview.rows
    ]
    InstitutionalContact.objects.bulk_create(people, batch_size=500)
    return len(people)


# --- CSV export -----------------------------------------------------------------------------


def record_export(actor, *, what: str, filters: dict, count: int) -> None:
    """Every export of personal data is an audit event, written before the file leaves."""
    policies.require_reader(actor)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="directory_export",
            target=None,
            data={"format": "csv", "what": what, "filters": filters, "rows": count},
        )


def search_q(fields: tuple, text: str) -> Q:
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__icontains": text})
    return query
