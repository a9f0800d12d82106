"""The CSV import: upload, preview of every row with its errors, and a confirmation that
imports the whole file in one transaction or nothing. Bad files get a Spanish message
that names the problem, and leave the directory as it was."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from audit.models import AuditEvent
from directory import services
from directory.models import ImportBatch, InstitutionalContact, Journalist, MediaOutlet
from tests.directory.conftest import JOURNALIST_HEADER, csv_bytes, journalist_rows, make_journalist

pytestmark = pytest.mark.django_db

UPLOAD = reverse("directory:import_upload")


def tables():
    """What an import may write, counted."""
    return (
        MediaOutlet.objects.count(),
        Journalist.objects.count(),
        InstitutionalContact.objects.count(),
        AuditEvent.objects.filter(action="directory_import").count(),
    )


def upload(client, data: bytes, *, kind="periodistas", name="directorio.csv"):
    return client.post(UPLOAD, {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")})


def preview_of(response):
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    return ImportBatch.objects.get(token=token)


def test_a_good_file_from_excel_is_previewed_then_imported_whole(client_for, users):
    client = client_for("publicador")
    data = csv_bytes(
        [
            [*JOURNALIST_HEADER, "N.° de acreditación", "Vence"],
            [
                "Radio Capital",
                "Radio",
                "Ana Torres",
                "Ana.Torres@Example.pe",
                "Locales",
                "987 654 321",
                "AC-1",
                "31/12/2026",
            ],
            ["Radio Capital", "radio", "Luis Paredes", "luis@example.pe", "Política", "", "", ""],
            ["Diario El Vecino", "prensa", "Rosa Díaz; hija", "rosa@example.pe", "", "01 555 1234", "", "2026-06-30"],
        ]
    )
    before = tables()
    batch = preview_of(upload(client, data))
    # Nothing is written by the upload itself.
    assert tables() == before
    page = client.get(reverse("directory:import_preview", args=[batch.token]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Importar 3 registros" in html and "Radio Capital" in html and "Rosa Díaz; hija" in html
    assert "Diario El Vecino" in html  # listed among the new outlets

    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 302
    assert response.url == reverse("directory:journalist_list")
    ana = Journalist.objects.select_related("outlet").get(email="ana.torres@example.pe")  # lowercased
    assert ana.outlet.name == "Radio Capital" and ana.outlet.outlet_type == "radio"
    assert ana.accreditation_number == "AC-1" and ana.accreditation_valid_until.isoformat() == "2026-12-31"
    assert Journalist.objects.get(email="rosa@example.pe").outlet.outlet_type == "prensa"
    assert MediaOutlet.objects.count() == before[0] + 2
    assert Journalist.objects.count() == before[1] + 3
    event = AuditEvent.objects.get(action="directory_import")
    assert event.data["rows"] == 3 and event.data["new_outlets"] == 2 and event.data["file_sha256"] == batch.sha256
    # The event names no person: no emails, no names.
    assert "example.pe" not in str(event.data) and "Torres" not in str(event.data)
    batch.refresh_from_db()
    assert batch.imported_count == 3 and batch.content == ""


def test_comma_delimited_utf8_without_bom_and_institutional_contacts(client_for):
    client = client_for("gerente")
    data = csv_bytes(
        [
            ["tipo", "institucion", "nombre", "correo", "cargo", "telefono"],
            ["Embajada", "Embajada de Chile", "Pablo Rojas", "prensa@chile.example", "Agregado", "01 710 2211"],
            ["entidad pública", "Ministerio de Cultura", "Raúl Pinto", "rpinto@cultura.example", "", ""],
            ["Organización social", "Comedor Santa Rosa", "Juana Quispe", "", "Presidenta", "987 000 111"],
        ],
        delimiter=",",
        bom=False,
    )
    batch = preview_of(upload(client, data, kind="instituciones"))
    assert batch.row_count == 3 and batch.error_count == 0
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 302 and response.url == reverse("directory:contact_list")
    assert set(InstitutionalContact.objects.values_list("kind", flat=True)) == {
        "embajada",
        "entidad_publica",
        "organizacion_social",
    }


def test_a_file_in_another_encoding_is_refused_with_a_clear_message(client_for):
    client = client_for("publicador")
    data = csv_bytes([["medio", "tipo_medio", "nombre", "correo"], ["Radio Capital", "Radio", "José Peña", "j@x.pe"]])
    latin1 = data.decode("utf-8-sig").encode("latin-1")
    before = tables()
    response = upload(client, latin1)
    assert response.status_code == 400
    html = response.content.decode()
    assert "El archivo no está en UTF-8: el byte 0xE9 de la línea 2 no es UTF-8 válido" in html
    assert "CSV UTF-8" in html
    assert tables() == before
    assert not ImportBatch.objects.exists()

    utf16 = data.decode("utf-8-sig").encode("utf-16")
    response = upload(client, utf16)
    assert response.status_code == 400 and "UTF-16" in response.content.decode()


def test_missing_columns_are_named(client_for):
    client = client_for("publicador")
    data = csv_bytes([["Nombre", "Teléfono"], ["Ana", "987 654 321"]])
    response = upload(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Faltan columnas obligatorias" in html
    for column in ("medio", "tipo_medio", "correo"):
        assert f"«{column}»" in html
    assert "«nombre»" not in html.split("Faltan columnas obligatorias")[1].split(".")[0]
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "El archivo está vacío."),
        (csv_bytes([JOURNALIST_HEADER]), "solo tiene el encabezado"),
        (b"PK\x03\x04\x00\x00binary", "no es un CSV de texto"),
        (csv_bytes([JOURNALIST_HEADER, *journalist_rows(300)]) + b"\x00", "no es un CSV de texto"),
        (csv_bytes([JOURNALIST_HEADER]) + b'"Radio;Radio;Ana;a@example.pe;;\r\n', "mal formado"),
    ],
)
def test_unreadable_files_are_refused(client_for, data, message):
    response = upload(client_for("publicador"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_duplicated_emails_in_the_file_and_against_the_directory_name_the_rows(client_for, publicador, outlet):
    make_journalist(publicador, outlet, full_name="Ana Torres", email="ana.torres@example.pe")
    client = client_for("publicador")
    data = csv_bytes(
        [
            JOURNALIST_HEADER,
            ["Radio Capital", "Radio", "Luis Paredes", "luis@example.pe", "", ""],  # line 2
            ["Radio Capital", "Radio", "Otro Luis", "LUIS@example.pe", "", ""],  # line 3: same as 2
            ["Radio Capital", "Radio", "Ana T.", "ana.torres@example.pe", "", ""],  # line 4: already there
            ["Radio Capital", "Radio", "Bien", "bien@example.pe", "", ""],  # line 5: fine
        ]
    )
    before = tables()
    batch = preview_of(upload(client, data))
    assert batch.error_count == 3
    preview = services.build_preview(batch)
    errors = {row.line: row.errors for row in preview.rows}
    assert errors[2] == ["El correo luis@example.pe está repetido en el archivo: también en la fila 3."]
    assert errors[3] == ["El correo luis@example.pe está repetido en el archivo: también en la fila 2."]
    assert errors[4] == [
        "El correo ana.torres@example.pe ya está registrado en el directorio: Ana Torres (Radio Capital)."
    ]
    assert errors[5] == []
    page = client.get(reverse("directory:import_preview", args=[batch.token]))
    html = page.content.decode()
    assert "también en la fila 3" in html and 'id="import-blocked"' in html and 'id="import-confirm"' not in html
    # A forged confirmation imports nothing, not even the good row.
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 400
    assert "No se importó nada: las filas 2, 3, 4 tienen errores" in response.content.decode()
    assert tables() == before


def test_row_errors_say_what_is_wrong(client_for, publicador):
    from directory.models import OutletType
    from tests.directory.conftest import make_outlet

    make_outlet(publicador, name="Canal Cerrado", outlet_type=OutletType.TV, is_active=False)
    data = csv_bytes(
        [
            [*JOURNALIST_HEADER, "acreditacion_vence", "cobertura"],
            ["", "Radio", "Sin medio", "a@example.pe", "", "", "", ""],
            ["Radio X", "Periódico mural", "Tipo raro", "b@example.pe", "", "", "", ""],
            ["Radio X", "Radio", "", "c@example.pe", "", "", "", ""],
            ["Radio X", "Radio", "Correo malo", "no-es-correo", "", "", "", ""],
            ["Radio X", "Radio", "Teléfono malo", "d@example.pe", "", "llamar luego", "", ""],
            ["Radio X", "Radio", "Fecha mala", "e@example.pe", "", "", "31/02/2026", ""],
            ["Radio X", "Televisión", "Otro tipo", "f@example.pe", "", "", "", ""],
            ["Canal Cerrado", "TV", "Medio inactivo", "g@example.pe", "", "", "", ""],
            ["Radio X", "Radio", "Cobertura rara", "h@example.pe", "", "", "", "Marte"],
        ]
    )
    batch = preview_of(upload(client_for("publicador"), data))
    errors = {row.line: " ".join(row.errors) for row in services.build_preview(batch).rows}
    assert "Falta el medio." in errors[2]
    assert "Tipo de medio «Periódico mural» desconocido" in errors[3] and "«Radio»" in errors[3]
    assert "Falta el nombre." in errors[4]
    assert "El correo «no-es-correo» no es válido." in errors[5]
    assert "El teléfono «llamar luego» no es válido" in errors[6]
    assert "La fecha «31/02/2026» no es válida" in errors[7]
    assert "figura en la fila 3 con otro tipo" not in errors[8]  # line 3's type was unknown
    assert "El medio «Radio X» figura en la fila 4 con otro tipo (Radio)." in errors[8]
    assert "El medio «Canal Cerrado» está desactivado en el directorio." in errors[9]
    assert "Cobertura «Marte» desconocida" in errors[10]
    assert batch.error_count == 9


def test_an_invalid_row_at_the_end_of_a_long_file_leaves_the_tables_unchanged(client_for):
    client = client_for("publicador")
    rows = journalist_rows(498)
    rows.append(["Medio 1", "Radio", "Periodista final", "no-es-un-correo", "", ""])  # line 500
    data = csv_bytes([JOURNALIST_HEADER, *rows])
    before = tables()
    batch = preview_of(upload(client, data))
    assert batch.row_count == 499 and batch.error_count == 1
    page = client.get(reverse("directory:import_preview", args=[batch.token]))
    assert 'data-line="500"' in page.content.decode()
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 400
    assert "la fila 500 tiene errores" in response.content.decode()
    assert tables() == before
    batch.refresh_from_db()
    assert batch.imported_at is None


def test_a_failure_while_writing_rolls_everything_back(client_for, monkeypatch):
    """Past the checks, a write that fails half-way (here: the journalists' insert after
    the new outlets were created) leaves nothing behind, outlets included."""
    client = client_for("publicador")
    batch = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(500)])))
    before = tables()

    def broken(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: directory_journalist.email")

    monkeypatch.setattr(Journalist.objects, "bulk_create", broken)
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 400
    assert "No se importó nada" in response.content.decode()
    assert tables() == before
    monkeypatch.undo()
    # The same preview still imports once the problem is gone.
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 302
    assert Journalist.objects.count() == before[1] + 500


def test_the_directory_changing_after_the_preview_is_caught_at_confirmation(client_for, publicador, outlet):
    client = client_for("publicador")
    batch = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(3)])))
    assert batch.error_count == 0
    # Someone registers one of the file's emails meanwhile.
    make_journalist(publicador, outlet, full_name="Llegó antes", email="periodista2@example.pe")
    before = tables()
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 400
    assert "la fila 3 tiene errores" in response.content.decode()
    assert "ya está registrado en el directorio: Llegó antes" in response.content.decode()
    assert tables() == before


def test_a_stale_or_used_preview_is_refused(client_for):
    client = client_for("publicador")
    batch = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(2)])))
    ImportBatch.objects.filter(pk=batch.pk).update(uploaded_at=batch.uploaded_at - timedelta(minutes=31))
    before = tables()
    response = client.post(reverse("directory:import_confirm", args=[batch.token]))
    assert response.status_code == 409
    assert "La vista previa caducó" in response.content.decode()
    assert tables() == before
    page = client.get(reverse("directory:import_preview", args=[batch.token]))
    assert 'id="import-stale"' in page.content.decode() and 'id="import-confirm"' not in page.content.decode()

    fresh = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(2, start=10)])))
    assert client.post(reverse("directory:import_confirm", args=[fresh.token])).status_code == 302
    again = client.post(reverse("directory:import_confirm", args=[fresh.token]))
    assert again.status_code == 409
    assert "Esta importación ya se confirmó" in again.content.decode()
    assert Journalist.objects.count() == 2


def test_the_preview_reads_the_stored_file_never_the_browser(client_for):
    """The confirmation takes no file: whatever the browser posts along is ignored, and a
    stored content that no longer matches the upload's hash is refused."""
    client = client_for("publicador")
    batch = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(2)])))
    other = SimpleUploadedFile("otro.csv", csv_bytes([JOURNALIST_HEADER, *journalist_rows(5, start=50)]))
    response = client.post(reverse("directory:import_confirm", args=[batch.token]), {"file": other})
    assert response.status_code == 302
    assert set(Journalist.objects.values_list("email", flat=True)) == {
        "periodista1@example.pe",
        "periodista2@example.pe",
    }

    tampered = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(2, start=20)])))
    ImportBatch.objects.filter(pk=tampered.pk).update(content=tampered.content.replace("20", "99"))
    response = client.post(reverse("directory:import_confirm", args=[tampered.token]))
    assert response.status_code == 409
    assert Journalist.objects.count() == 2


def test_another_persons_preview_is_not_found(client_for, users):
    batch = preview_of(upload(client_for("publicador"), csv_bytes([JOURNALIST_HEADER, *journalist_rows(2)])))
    client = client_for("gerente")
    assert client.get(reverse("directory:import_preview", args=[batch.token])).status_code == 404
    assert client.post(reverse("directory:import_confirm", args=[batch.token])).status_code == 404
    assert client.get("/directorio/importar/no-es-un-token/").status_code == 404
    assert not Journalist.objects.exists()


def test_an_oversized_file_is_refused_unread(client_for, settings):
    client = client_for("publicador")
    big = csv_bytes([JOURNALIST_HEADER]) + b"x" * (services.MAX_UPLOAD_BYTES + 10)
    response = upload(client, big)
    assert response.status_code == 400
    assert "el máximo es 2,0 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_too_many_rows_are_refused(client_for, monkeypatch):
    from directory import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 10)
    response = upload(client_for("publicador"), csv_bytes([JOURNALIST_HEADER, *journalist_rows(11)]))
    assert response.status_code == 400
    assert "más de 10 filas" in response.content.decode()


def test_only_the_office_imports(client_for):
    data = csv_bytes([JOURNALIST_HEADER, *journalist_rows(1)])
    for username, status in (("admin", 403), ("transparencia", 404), ("auditor", 404), ("rentas1", 404)):
        assert upload(client_for(username), data).status_code == status, username
    assert not ImportBatch.objects.exists()


def test_old_unconfirmed_uploads_lose_their_content(client_for):
    client = client_for("publicador")
    batch = preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(1)])))
    ImportBatch.objects.filter(pk=batch.pk).update(uploaded_at=batch.uploaded_at - timedelta(days=2))
    preview_of(upload(client, csv_bytes([JOURNALIST_HEADER, *journalist_rows(1, start=5)])))
    batch.refresh_from_db()
    assert batch.content == "" and batch.sha256
    page = client.get(reverse("directory:import_preview", args=[batch.token]))
    assert page.status_code == 200 and 'id="import-stale"' in page.content.decode()
