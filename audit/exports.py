"""Exports of the audit log: CSV streamed row by row, XLSX written to a temporary file.

Neither holds the rows in memory: both read the events `chunk_size` at a time from the
database (audit.selectors.export_rows). Every export is itself an audit event, written
before the first byte leaves (record_export).

People are named by full name and username («Ana Pérez (aperez)»), actions, states, kinds
and object types by their Spanish labels; the codes stay in columns of their own
(«Nombre de usuario», «Código de acción», «Código del tipo de objeto»), for whoever
filters or joins the file by code.

Cells are the stored values, with two guards for spreadsheets: in the CSV, a text that
begins with = + - @ or a tab/carriage return gets a leading apostrophe, so Excel or
LibreOffice does not run it as a formula (OWASP, "CSV injection"); in the XLSX every text is
a string cell, never a formula, and characters XML cannot carry are written as \\xNN.
"""

import csv
import itertools
import json
import tempfile
from datetime import UTC

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import selectors
from .labels import (
    ACTION_LABELS,
    USER_TYPE,
    kind_label,
    object_label,
    person_from_parts,
    person_label,
    state_label,
)
from .models import AuditEvent
from .services import record_event

# Excel's limit is 1,048,576 rows per sheet, one of them the header.
MAX_SHEET_ROWS = 1_048_575
# Excel's limit on the characters of one cell.
MAX_CELL_CHARS = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def record_export(actor, *, fmt: str, filters: dict) -> tuple[AuditEvent, int]:
    """Record that `actor` exports the log with these filters, and fix what the export
    covers: the events up to the newest one now (its id goes into the record). Runs before
    the export starts, in its own transaction, so no export leaves unrecorded."""
    with transaction.atomic():
        up_to = selectors.last_event_id()
        event = record_event(
            actor=actor,
            action="export",
            target=None,
            data={"format": fmt, "filters": filters, "up_to_event": up_to},
        )
    return event, up_to


def headers() -> list[str]:
    return [
        _("Fecha y hora local (%(zone)s)") % {"zone": settings.TIME_ZONE},
        _("Fecha y hora UTC"),
        _("Usuario"),
        _("Nombre de usuario"),
        _("Por encargo de"),
        _("Acción"),
        _("Código de acción"),
        _("Referencia"),
        _("Objeto"),
        _("Código del tipo de objeto"),
        _("Id del objeto"),
        _("Unidad"),
        _("Tipo de solicitud"),
        _("Estado anterior"),
        _("Estado nuevo"),
        _("Comentario o motivo"),
        _("Hash de la versión"),
        _("Datos"),
        _("Dirección IP"),
        _("Navegador"),
        _("Id de la petición"),
        _("Cadena"),
        _("Posición en la cadena"),
        _("Hash anterior"),
        _("Hash"),
    ]


class RowFormatter:
    """Turns a tuple of selectors.EXPORT_FIELDS into the export's cells. Labels are
    resolved once, in the language of the request that asked for the export (the stream
    runs after the view has returned)."""

    def __init__(self):
        self.actions = {code: str(label) for code, label in ACTION_LABELS.items()}
        self.zone = timezone.get_current_timezone()
        self.states: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.people: dict[str, str] = {}

    def __call__(self, row) -> list:
        (
            occurred_at,
            username,
            first_name,
            last_name,
            on_behalf_of,
            on_behalf_of_first_name,
            on_behalf_of_last_name,
            action,
            reference,
            object_type,
            object_id,
            unit,
            kind,
            from_state,
            to_state,
            comment,
            version_hash,
            data,
            ip_address,
            user_agent,
            request_id,
            chain,
            sequence,
            prev_hash,
            event_hash,
        ) = row
        return [
            occurred_at.astimezone(self.zone).replace(tzinfo=None),
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            person_from_parts(username, first_name, last_name),
            username,
            person_from_parts(on_behalf_of, on_behalf_of_first_name, on_behalf_of_last_name),
            self.actions.get(action, action),
            action,
            reference,
            self._object(object_type, object_id, reference),
            object_type,
            object_id,
            unit or "",
            self._label(self.kinds, kind_label, kind),
            self._label(self.states, state_label, from_state),
            self._label(self.states, state_label, to_state),
            comment,
            version_hash,
            json.dumps(data, ensure_ascii=False, sort_keys=True) if data else "",
            ip_address or "",
            user_agent,
            request_id,
            chain,
            sequence,
            prev_hash,
            event_hash,
        ]

    def _object(self, object_type: str, object_id: str, reference: str) -> str:
        people = {}
        if object_type == USER_TYPE and object_id:
            if object_id not in self.people:
                # One read per person named in the export (few), not per row.
                user = get_user_model().objects.filter(pk=object_id).first() if object_id.isdigit() else None
                self.people[object_id] = person_label(user) if user is not None else ""
            if self.people[object_id]:
                people = {object_id: self.people[object_id]}
        return object_label(object_type, object_id, reference, people)

    @staticmethod
    def _label(cache, label, code):
        if not code:
            return ""
        if code not in cache:
            cache[code] = label(code)
        return cache[code]


# --- serving under ASGI ------------------------------------------------------------------


async def async_chunks(iterable, *, batch: int):
    """An async iterator over a sync one, `batch` items a hop to the request's sync thread
    (where its database connection lives). Under ASGI (daphne) Django would otherwise read a
    sync iterator into a list before sending the first byte: the whole export in memory."""
    iterator = iter(iterable)

    def next_batch() -> bytes:
        return b"".join(itertools.islice(iterator, batch))

    fetch = sync_to_async(next_batch, thread_sensitive=True)
    while chunk := await fetch():
        yield chunk


def file_blocks(file, *, size: int = 64 * 1024):
    return iter(lambda: file.read(size), b"")


# --- CSV ---------------------------------------------------------------------------------


class Echo:
    """A file-like object that hands back what the csv writer writes to it."""

    def write(self, value):
        return value


def _csv_cell(value):
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="seconds")
    return value


def csv_lines(rows, formatter: RowFormatter):
    """The CSV, one line at a time, UTF-8 with a byte-order mark so Excel reads accents."""
    writer = csv.writer(Echo())
    yield (BOM + writer.writerow(headers())).encode()
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in formatter(row)]).encode()


# --- XLSX --------------------------------------------------------------------------------


def _xlsx_text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
    if len(value) > MAX_CELL_CHARS:
        suffix = _("…[truncado]")
        value = value[: MAX_CELL_CHARS - len(suffix)] + suffix
    return value


def write_xlsx(rows, formatter: RowFormatter, target) -> int:
    """Write the workbook to the open binary file `target`; return the number of sheets.
    openpyxl's write-only mode keeps each sheet in a temporary file, not in memory; rows
    past a sheet's MAX_SHEET_ROWS continue on a new sheet, each with the header."""
    workbook = Workbook(write_only=True)
    header = headers()
    title = _("Eventos")
    sheets = 0
    sheet = None
    in_sheet = MAX_SHEET_ROWS

    def cells(values):
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=None)
            if isinstance(value, str):
                # Set as text explicitly: a comment such as "=SUM(A1)" stays text.
                cell._value = _xlsx_text(value)
                cell.data_type = "s"
            else:
                cell.value = value
                if hasattr(value, "isoformat"):
                    cell.number_format = "dd/mm/yyyy hh:mm:ss"
            out.append(cell)
        return out

    for row in rows:
        if in_sheet >= MAX_SHEET_ROWS:
            sheets += 1
            sheet = workbook.create_sheet(title if sheets == 1 else f"{title} ({sheets})")
            sheet.append(cells(header))
            in_sheet = 0
        sheet.append(cells(formatter(row)))
        in_sheet += 1
    if sheet is None:
        sheet = workbook.create_sheet(title)
        sheet.append(cells(header))
        sheets = 1
    workbook.save(target)
    return sheets


def xlsx_file(rows, formatter: RowFormatter):
    """The workbook in an anonymous temporary file (gone once closed), rewound."""
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        write_xlsx(rows, formatter, target)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return target
