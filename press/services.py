"""Every change to the media monitoring log happens here, each in one transaction.

A service checks that the actor belongs to the communications office (403), that the
related request is one the actor may see among the published ones (400), validates the
data (400) and the clipping by its content (400, before anything is stored), writes the
coverage and its audit event on the coverage's own chain, all inside one
`transaction.atomic()`. A stored clipping is removed again if the transaction fails, so
a refused upload leaves neither a row nor a file.
"""

import os

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from workflows.exceptions import InvalidInput

from . import policies
from .clippings import inspect_clipping
from .models import Coverage
from .selectors import linkable_requests

# Fields of a coverage item a form may set; the clipping has its own argument.
DATA_FIELDS = ("medium", "medium_type", "published_on", "headline", "url", "tone", "request", "notes")
REQUIRED_FIELDS = ("medium", "medium_type", "published_on", "headline", "tone")


def _clean(actor, coverage: Coverage, data: dict, *, has_clipping: bool, previous_request_id=None) -> dict:
    values = {name: data.get(name) for name in DATA_FIELDS}
    for name in ("medium", "headline", "url", "notes"):
        values[name] = (values[name] or "").strip()
    errors = {}
    for name in REQUIRED_FIELDS:
        if not values[name]:
            errors[name] = [_("Este campo es obligatorio.")]
    published_on = values["published_on"]
    if published_on and published_on > timezone.localdate():
        errors["published_on"] = [_("La fecha de publicación no puede ser futura.")]
    if not values["url"] and not has_clipping:
        errors["url"] = [_("Indique el enlace a la nota o suba el recorte (al menos uno de los dos).")]
    related = values["request"]
    # Only among the published requests the actor may see; an unchanged link stays.
    changed_link = related is not None and related.pk != previous_request_id
    if changed_link and not linkable_requests(actor).filter(pk=related.pk).exists():
        errors["request"] = [_("Elija una solicitud publicada que usted pueda ver.")]
    for name, value in values.items():
        setattr(coverage, name, value)
    try:
        coverage.full_clean(exclude=["clipping", "recorded_by", *errors])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise InvalidInput(_("Revise los datos: hay campos con errores."), field_errors=errors)
    return values


def _store_clipping(coverage: Coverage, uploaded_file, inspected) -> str:
    name, content_type, sha256 = inspected
    coverage.clipping.save(name, uploaded_file, save=False)
    coverage.clipping_name = os.path.basename(name)
    coverage.clipping_content_type = content_type
    coverage.clipping_size = uploaded_file.size
    coverage.clipping_sha256 = sha256
    return coverage.clipping.name


def record_coverage(actor, *, data: dict, clipping=None) -> Coverage:
    """Record a piece of coverage found in the media."""
    policies.check_recorder(actor)
    inspected = inspect_clipping(clipping) if clipping is not None else None
    coverage = Coverage(recorded_by=actor)
    _clean(actor, coverage, data, has_clipping=inspected is not None)
    stored_name = None
    try:
        with transaction.atomic():
            if inspected is not None:
                stored_name = _store_clipping(coverage, clipping, inspected)
            coverage.save()
            record_event(
                actor=actor,
                action="coverage_record",
                target=coverage,
                data=_event_data(coverage, changed=None),
            )
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return coverage


def update_coverage(actor, coverage: Coverage, *, data: dict, clipping=None, remove_clipping=False) -> Coverage:
    """Correct a coverage item; a new clipping replaces the old one, whose file goes once
    the change is committed. Nothing changed, nothing recorded."""
    policies.check_recorder(actor)
    inspected = inspect_clipping(clipping) if clipping is not None else None
    stored_name = None
    try:
        with transaction.atomic():
            current = Coverage.objects.select_for_update().get(pk=coverage.pk)
            watched = [field.attname for field in Coverage._meta.concrete_fields if field.name in DATA_FIELDS]
            before = {name: getattr(current, name) for name in (*watched, "clipping_sha256")}
            old_file = current.clipping.name
            if inspected is not None and inspected[2] == current.clipping_sha256:
                inspected = None  # the same file again: keep the stored one
            keeps_clipping = bool(old_file) and not remove_clipping
            _clean(
                actor,
                current,
                data,
                has_clipping=inspected is not None or keeps_clipping,
                previous_request_id=before["request_id"],
            )
            if inspected is not None:
                stored_name = _store_clipping(current, clipping, inspected)
            elif old_file and not keeps_clipping:
                current.clipping = ""
                current.clipping_name = current.clipping_content_type = current.clipping_sha256 = ""
                current.clipping_size = None
            changed = sorted(name.removesuffix("_id") for name in before if before[name] != getattr(current, name))
            if not changed:
                return current
            current.save()
            record_event(
                actor=actor,
                action="coverage_edit",
                target=current,
                data=_event_data(current, changed=changed, previous_sha256=before["clipping_sha256"]),
            )
            if old_file and old_file != current.clipping.name:
                transaction.on_commit(lambda: default_storage.delete(old_file))
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return current


def _event_data(coverage: Coverage, *, changed, previous_sha256: str = "") -> dict:
    data = {
        "medium": coverage.medium,
        "published_on": coverage.published_on.isoformat(),
        "tone": coverage.tone,
        "request": coverage.request.reference if coverage.request_id else "",
    }
    if changed is not None:
        data["changed"] = changed
    if coverage.clipping_sha256:
        data["clipping_sha256"] = coverage.clipping_sha256
    if previous_sha256 and previous_sha256 != coverage.clipping_sha256:
        data["previous_clipping_sha256"] = previous_sha256
    return data


def open_clipping(actor, coverage: Coverage):
    """The clipping's file, opened for reading; the download is an audit event, written
    before the first byte goes out."""
    with transaction.atomic():
        record_event(
            actor=actor,
            action="download",
            target=coverage,
            data={"clipping": coverage.clipping_name, "sha256": coverage.clipping_sha256},
        )
    return coverage.clipping.open("rb")
