"""Exports of the audit log: CSV streamed, XLSX through a temporary file, both audited."""

import csv
import hashlib
import io
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import AsyncRequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from audit import exports
from audit.models import AuditEvent
from records import views
from tests.audit.test_log_views import bulk_events
from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

CSV_URL = reverse("audit:export_csv")
XLSX_URL = reverse("audit:export_xlsx")
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def consume(response) -> bytes:
    """Read a streamed body to its end (the test client closes it afterwards)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    body = consume(response)
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response):
    return load_workbook(io.BytesIO(consume(response)), read_only=False)


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def march(users):
    """Three events in March 2026 (Lima time), one with accents and one that looks like a formula."""
    first = bulk_events(
        1,
        start=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        action="observe",
        actor=users["revisor1"],
        actor_username="revisor1",
        comment="Revisión: falta la firma del señor Ñahui; «urgente».",
        from_state=State.IN_REVIEW,
        to_state=State.DRAFT,
        reference="COM-2026-00007",
        ip_address="10.0.0.7",
    )
    second = bulk_events(
        1,
        start=datetime(2026, 3, 3, 4, 30, tzinfo=UTC),  # 2 March, 23:30 in Lima
        action="approve",
        actor=users["gerente"],
        actor_username="gerente",
        comment='=HYPERLINK("http://example.com","clic")',
        data={"canal": "Radio Municipal", "año": 2026},
    )
    third = bulk_events(1, start=datetime(2026, 3, 20, 15, tzinfo=UTC), action="login", actor_username="auditor")
    return first + second + third


# --- CSV --------------------------------------------------------------------------------------


def test_csv_is_streamed_with_spanish_headers_and_the_filtered_rows_in_order(client_for, march):
    response = client_for("auditor").get(CSV_URL, MARCH)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="auditoria-')
    rows = read_csv(response)
    assert rows[0][:7] == [
        "Fecha y hora local (America/Lima)",
        "Fecha y hora UTC",
        "Usuario",
        "Nombre de usuario",
        "Por encargo de",
        "Acción",
        "Código de acción",
    ]
    assert {"Comentario o motivo", "Hash", "Hash anterior", "Dirección IP", "Navegador", "Datos"} <= set(rows[0])
    assert column(rows, "Hash") == [event.hash for event in march]  # oldest first
    assert column(rows, "Código de acción") == ["observe", "approve", "login"]
    assert column(rows, "Acción") == ["Devolución con observaciones", "Aprobación", "Inicio de sesión"]
    assert column(rows, "Fecha y hora UTC")[1] == "2026-03-03T04:30:00.000000Z"
    assert column(rows, "Fecha y hora local (America/Lima)")[1] == "2026-03-02 23:30:00"
    assert column(rows, "Estado anterior")[0] == "En revisión"
    assert column(rows, "Estado nuevo")[0] == "Borrador"
    assert column(rows, "Dirección IP")[0] == "10.0.0.7"


def test_exports_name_people_and_objects_in_words_and_keep_the_codes_beside(client_for, users, march):
    gerente, auditor = users["gerente"], users["auditor"]
    gerente.first_name, gerente.last_name = "Marta", "Quispe Huamán"
    gerente.save()
    auditor.first_name, auditor.last_name = "Óscar", "Ñique"
    auditor.save()
    bulk_events(
        1,
        start=datetime(2026, 3, 21, 15, tzinfo=UTC),
        action="group_added",
        actor=gerente,
        actor_username="gerente",
        on_behalf_of=auditor,
        object_type="auth.user",
        object_id=str(auditor.pk),
    )
    rows = read_csv(client_for("auditor").get(CSV_URL, MARCH))
    assert column(rows, "Usuario") == [
        "revisor1",
        "Marta Quispe Huamán (gerente)",
        "auditor",  # written without the person's record: the username alone
        "Marta Quispe Huamán (gerente)",
    ]
    assert column(rows, "Nombre de usuario") == ["revisor1", "gerente", "auditor", "gerente"]
    assert column(rows, "Por encargo de")[3] == "Óscar Ñique (auditor)"
    assert column(rows, "Acción")[3] == "Rol o unidad asignados"
    assert column(rows, "Objeto")[3] == "Usuario: Óscar Ñique (auditor)"
    assert column(rows, "Código del tipo de objeto")[3] == "auth.user"
    assert column(rows, "Id del objeto")[3] == str(auditor.pk)
    for row in rows[1:]:
        assert f"usuario {auditor.pk}" not in " ".join(row).lower()
    workbook = read_xlsx(client_for("auditor").get(XLSX_URL, MARCH))
    sheet = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert column(sheet, "Objeto")[3] == "Usuario: Óscar Ñique (auditor)"
    assert column(sheet, "Usuario")[1] == "Marta Quispe Huamán (gerente)"


def test_csv_keeps_accents_and_defuses_formulas(client_for, march):
    rows = read_csv(client_for("auditor").get(CSV_URL, MARCH))
    comments = column(rows, "Comentario o motivo")
    assert comments[0] == "Revisión: falta la firma del señor Ñahui; «urgente»."
    assert comments[1] == '\'=HYPERLINK("http://example.com","clic")'
    assert column(rows, "Datos")[1] == '{"año": 2026, "canal": "Radio Municipal"}'


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "approve"}, ["approve"]),
        ({"user": "revisor1"}, ["observe"]),
        ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, ["observe", "approve"]),
        ({"reference": "00007"}, ["observe"]),
    ],
)
def test_csv_rows_match_the_filters(client_for, march, params, expected):
    rows = read_csv(client_for("auditor").get(CSV_URL, {**MARCH, **params}))
    assert column(rows, "Código de acción") == expected


def test_the_trail_of_one_request_exports_its_chain_only(client_for, users, units, march):
    material_request = request_in_state(users, units, State.APPROVED)
    rows = read_csv(client_for("transparencia").get(CSV_URL, {"request": material_request.pk}))
    assert column(rows, "Código de acción") == ["create", "submit", "forward", "approve"]
    assert set(column(rows, "Referencia")) == {material_request.reference}
    assert column(rows, "Posición en la cadena") == ["1", "2", "3", "4"]


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_has_the_header_and_rows_with_text_kept_as_text(client_for, march):
    response = client_for("auditor").get(XLSX_URL, MARCH)
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="auditoria-' in response["Content-Disposition"]
    workbook = read_xlsx(response)
    assert workbook.sheetnames == ["Eventos"]
    sheet = workbook["Eventos"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Fecha y hora local (America/Lima)"
    assert column(rows, "Hash") == [event.hash for event in march]
    assert column(rows, "Fecha y hora local (America/Lima)")[1] == datetime(2026, 3, 2, 23, 30)
    assert column(rows, "Comentario o motivo")[0] == "Revisión: falta la firma del señor Ñahui; «urgente»."
    # Stored as text, never as a formula Excel would run.
    comment_column = rows[0].index("Comentario o motivo") + 1
    formula_cell = sheet.cell(row=3, column=comment_column)
    assert formula_cell.value == '=HYPERLINK("http://example.com","clic")'
    assert formula_cell.data_type == "s"


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(client_for, monkeypatch):
    monkeypatch.setattr(exports, "MAX_SHEET_ROWS", 3)
    events = bulk_events(7, start=datetime(2026, 3, 5, 15, tzinfo=UTC))
    workbook = read_xlsx(client_for("auditor").get(XLSX_URL, MARCH))
    assert workbook.sheetnames == ["Eventos", "Eventos (2)", "Eventos (3)"]
    hashes = []
    for name, size in zip(workbook.sheetnames, (3, 3, 1), strict=True):
        rows = [list(row) for row in workbook[name].iter_rows(values_only=True)]
        assert rows[0][0] == "Fecha y hora local (America/Lima)", name  # each sheet has the header
        assert len(rows) == size + 1, name
        hashes += column(rows, "Hash")
    assert hashes == [event.hash for event in events]


def test_an_empty_xlsx_still_has_its_header(client_for):
    workbook = read_xlsx(client_for("auditor").get(XLSX_URL, {"date_from": "2001-01-01", "date_to": "2001-01-01"}))
    rows = list(workbook["Eventos"].iter_rows(values_only=True))
    assert len(rows) == 1
    assert rows[0][2] == "Usuario"


def test_characters_xml_cannot_carry_are_escaped_and_long_texts_cut(client_for, monkeypatch):
    monkeypatch.setattr(exports, "MAX_CELL_CHARS", 40)
    bulk_events(1, start=datetime(2026, 3, 5, 15, tzinfo=UTC), comment="bell\x07" + "x" * 100)
    rows = [
        list(row)
        for row in read_xlsx(client_for("auditor").get(XLSX_URL, MARCH))["Eventos"].iter_rows(values_only=True)
    ]
    comment = column(rows, "Comentario o motivo")[0]
    assert comment.startswith("bell\\x07xxx")
    assert comment.endswith("…[truncado]")
    assert len(comment) == 40


# --- under ASGI (daphne, as deployed) ----------------------------------------------------------


def asgi_get(view, user, params):
    """Call an export view as daphne would hand it a request: an ASGIRequest."""
    request = AsyncRequestFactory().get("/auditoria/", params)
    request.user = user
    return view(request)


def consume_async(response, on_chunk=None) -> bytes:
    """Read an async body the way Django's ASGI handler does, from this (sync) thread: the
    export's sync_to_async hops come back to it, and to its database connection."""
    assert response.is_async, "under ASGI a sync iterator would be read whole into a list"

    async def read():
        parts = []
        async for chunk in response:
            if on_chunk is not None:
                on_chunk(chunk)
            else:
                parts.append(chunk)
        return b"".join(parts)

    try:
        return async_to_sync(read)()
    finally:
        # Close it as the handler does (the XLSX's temporary file goes), without the
        # request_finished signal closing the test's database connection (as Django's
        # test client does too).
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)


def test_under_asgi_the_csv_is_an_async_stream_with_the_same_rows(users, march):
    response = asgi_get(views.export_csv, users["auditor"], MARCH)
    body = consume_async(response)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert column(rows, "Hash") == [event.hash for event in march]
    assert AuditEvent.objects.filter(action="export", actor=users["auditor"]).count() == 1


def test_under_asgi_the_xlsx_is_read_block_by_block(users, march):
    response = asgi_get(views.export_xlsx, users["auditor"], MARCH)
    assert isinstance(response, FileResponse)
    length = int(response["Content-Length"])
    body = consume_async(response)
    assert len(body) == length
    rows = [list(row) for row in load_workbook(io.BytesIO(body))["Eventos"].iter_rows(values_only=True)]
    assert column(rows, "Hash") == [event.hash for event in march]


# --- every export is audited, refused ones are not ---------------------------------------------


@pytest.mark.parametrize(("url", "fmt"), [(CSV_URL, "csv"), (XLSX_URL, "xlsx")])
def test_each_export_is_one_audit_event_with_its_filters(client_for, users, units, march, url, fmt):
    before = set(AuditEvent.objects.filter(action="export").values_list("pk", flat=True))
    response = client_for("transparencia").get(
        url, {**MARCH, "action": "approve", "user": "gerente", "unit": units["rentas"].pk, "page": "7"}
    )
    assert response.status_code == 200
    consume(response)
    [event] = AuditEvent.objects.filter(action="export").exclude(pk__in=before)
    assert event.actor == users["transparencia"]
    assert event.chain == "global"
    assert event.data["format"] == fmt
    assert event.data["filters"] == {
        "action": "approve",
        "user": "gerente",
        "unit": units["rentas"].pk,
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
    }
    assert event.data["up_to_event"] == event.pk - 1
    assert event.ip_address == "127.0.0.1"


def test_the_export_covers_the_log_up_to_its_own_record(client_for):
    rows = read_csv(client_for("auditor").get(CSV_URL, {"action": "export"}))
    assert rows[1:] == []  # its own record came after the export was fixed
    rows = read_csv(client_for("auditor").get(CSV_URL, {"action": "export"}))
    assert len(rows[1:]) == 1


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "31/02/2026"}, "«Desde» no es una fecha válida («31/02/2026»)"),
        ({"date_to": "2026-03-99"}, "«Hasta» no es una fecha válida"),
        ({"request": "abc"}, "No existe la solicitud indicada"),
    ],
)
def test_malformed_filters_export_nothing_and_record_nothing(client_for, url, params, message):
    client = client_for("auditor")  # logging in is an event too
    before = AuditEvent.objects.count()
    response = client.get(url, {**params, "user": "gerente"})
    assert response.status_code == 400
    assert not response.streaming
    page = response.content.decode()
    assert message in page
    assert "No se exportó nada" in page
    assert 'value="gerente"' in page
    assert AuditEvent.objects.count() == before


# --- millions of rows: streamed, never built in memory ----------------------------------------


def insert_many(count, *, start, step, **fields):
    """`count` events in one executemany: bulk_create on SQLite sends ~45 rows a query
    (its 999-parameter limit), too slow for 50,000. Every column comes from the model, so
    a column added later is written too."""
    template = AuditEvent(chain="mass", sequence=0, occurred_at=start, hash="", **fields)
    columns = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    varying = {"sequence", "occurred_at", "hash"}
    fixed = {
        field.attname: field.get_db_prep_save(getattr(template, field.attname), connection)
        for field in columns
        if field.attname not in varying
    }
    by_name = {field.attname: field for field in columns}

    def row(number):
        values = dict(fixed)
        values["sequence"] = number + 1
        values["occurred_at"] = by_name["occurred_at"].get_db_prep_save(start + step * number, connection)
        values["hash"] = hashlib.sha256(f"mass:{number}".encode()).hexdigest()
        return [values[field.attname] for field in columns]

    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted by the backend; values as parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(AuditEvent._meta.db_table),
        ", ".join(quote(field.column) for field in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [row(number) for number in range(count)])


def measure(read):
    """Read a body through `read(on_chunk)` under tracemalloc: (bytes, lines, largest chunk, peak)."""
    totals = {"size": 0, "lines": 0, "largest": 0}

    def on_chunk(chunk):
        totals["size"] += len(chunk)
        totals["lines"] += chunk.count(b"\n")
        totals["largest"] = max(totals["largest"], len(chunk))

    tracemalloc.start()
    try:
        read(on_chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return totals["size"], totals["lines"], totals["largest"], peak


@pytest.mark.slow
def test_a_large_csv_export_is_streamed_in_bounded_memory(client_for, users):
    count = 50_000
    started = time.monotonic()
    insert_many(
        count,
        start=datetime(2024, 1, 1, 12, tzinfo=UTC),
        step=timedelta(seconds=30),
        action="observe",
        comment="Revisión de rutina de la campaña de vacunación; sin observaciones.",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120",
        request_id="0" * 32,
        prev_hash="e" * 64,
        data={"canal": "Radio Municipal"},
    )
    assert AuditEvent.objects.filter(occurred_at__year=2024).count() == count
    params = {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    response = client_for("auditor").get(CSV_URL, params)
    assert isinstance(response, StreamingHttpResponse)

    def drain(on_chunk):
        for chunk in response.streaming_content:
            on_chunk(chunk)

    measured = measure(drain)
    # As daphne serves it: an async stream, read by the ASGI handler's loop.
    asgi_response = asgi_get(views.export_csv, users["auditor"], params)
    asgi_measured = measure(lambda on_chunk: consume_async(asgi_response, on_chunk))
    for size, lines, largest_chunk, peak, limit in (
        (*measured, 4096),  # one line at a time
        (*asgi_measured, 1024 * 1024),  # a thousand lines a hop
    ):
        assert lines == count + 1
        assert size > 20 * 1024 * 1024  # the whole CSV...
        assert peak < 8 * 1024 * 1024  # ...never held at once: a few chunks of rows at most
        assert peak < size / 3
        assert largest_chunk < limit
    assert time.monotonic() - started < 120
