"""Dossier exports: the services that ask for one, and the worker that builds it.

A job is stored first (audited, in the caller's transaction), then handed to the task
queue after commit (core/taskqueue.py: a Celery worker, or a small in-process pool);
the page polls its progress. The periodic `run_export_jobs` picks up jobs a restarted
server or a lost message left behind.
"""

import hashlib
import logging
import os
from datetime import timedelta

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import ExportJob
from audit.services import record_event
from core import taskqueue
from organization.roles import Role
from organization.selectors import reads_the_record, roles_of
from workflows.exceptions import InvalidInput
from workflows.permissions import objects_visible_to

from . import dossier

logger = logging.getLogger(__name__)

NAMES_MAX = 20
NAME_MAX = 200


def may_export(user) -> bool:
    """Dossiers are for the responsable de transparencia and the auditor (OCI)."""
    return reads_the_record(user)


def may_export_request(user, material_request) -> bool:
    """The auditor examines every request; the responsable de transparencia those the
    permissions let them see, or those a register entry concerns."""
    if not may_export(user):
        return False
    if user.is_superuser or Role.AUDITOR in roles_of(user):
        return True
    return (
        objects_visible_to(user).filter(pk=material_request.pk).exists()
        or material_request.transparency_requests.exists()
    )


def clean_private_names(text: str) -> list[str]:
    names = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(names) > NAMES_MAX or any(len(name) > NAME_MAX for name in names):
        raise InvalidInput(
            _("Indique como máximo %(n)s nombres, de hasta %(m)s caracteres cada uno.")
            % {"n": NAMES_MAX, "m": NAME_MAX},
            field_errors={"private_names": [_("Demasiados nombres o demasiado largos.")]},
        )
    return names


def _create(actor, *, kind, params, title, redact, target) -> ExportJob:
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, requested_by=actor, params=params, title=title, redact=redact)
        record_event(
            actor=actor,
            action="export",
            target=target,
            data={"format": "dossier", "job": str(job.pk), "redact": redact, "kind": kind},
        )
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def request_dossier(actor, material_request, *, redact: bool, private_names: str = "") -> ExportJob:
    if not may_export_request(actor, material_request):
        raise PermissionError
    names = clean_private_names(private_names)
    return _create(
        actor,
        kind=ExportJob.Kind.REQUEST_DOSSIER,
        params={"request": material_request.pk, "private_names": names},
        title=_("Expediente de %(reference)s") % {"reference": material_request.reference},
        redact=redact,
        target=material_request,
    )


def transparency_dossier(actor, entry, *, redact: bool, private_names: str = "") -> ExportJob:
    if not may_export(actor):
        raise PermissionError
    names = clean_private_names(private_names)
    return _create(
        actor,
        kind=ExportJob.Kind.TRANSPARENCY_DOSSIER,
        params={"transparency_request": entry.pk, "private_names": names},
        title=_("Expediente del pedido %(reference)s") % {"reference": entry.reference},
        redact=redact,
        target=entry,
    )


def record_download(actor, job: ExportJob) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            action="export_download",
            target=None,
            data={"job": str(job.pk), "title": job.title, "file_sha256": job.sha256, "redact": job.redact},
        )


# --- the worker ------------------------------------------------------------------------


def enqueue(job_id) -> None:
    """Build the job in the background (core/taskqueue.py): a Celery worker, or the
    in-process pool kept for dossiers, or at once in tests."""
    from . import tasks

    taskqueue.enqueue(tasks.build_export, str(job_id), lane="exports")


def _claim(job_id) -> ExportJob | None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id, status=ExportJob.Status.PENDING).first()
        if job is None:
            return None
        job.status, job.started_at = ExportJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
        return job


def run_job(job_id) -> ExportJob | None:
    """Build one pending job; any failure is stored on the job, never lost silently."""
    job = _claim(job_id)
    if job is None:
        return None

    def progress(done, total):
        ExportJob.objects.filter(pk=job.pk).update(steps_done=done, steps_total=total)

    path = None
    try:
        path, name = dossier.build(job, progress)
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            handle.seek(0)
            job.file.save(name, File(handle), save=False)
        job.size = os.path.getsize(path)
        job.sha256 = digest.hexdigest()
        job.status = ExportJob.Status.DONE
    except Exception:
        logger.exception("export job %s failed", job.pk)
        job.status = ExportJob.Status.FAILED
        job.error = _("No se pudo preparar el expediente. Inténtelo de nuevo o avise al administrador.")
    finally:
        if path and os.path.exists(path):
            os.unlink(path)
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "size", "sha256", "status", "error", "finished_at"])
    return job


def run_pending() -> int:
    """Jobs a stopped server left pending or half-built: build them now. A job running
    for over an hour is taken as abandoned (a dossier takes seconds to minutes)."""
    abandoned = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=timezone.now() - timedelta(hours=1)
    )
    abandoned.update(status=ExportJob.Status.PENDING, steps_done=0)
    count = 0
    for job_id in ExportJob.objects.filter(status=ExportJob.Status.PENDING).values_list("pk", flat=True):
        if run_job(job_id) is not None:
            count += 1
    return count
