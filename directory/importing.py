"""Reading a directory CSV: the file as a whole (size, encoding, delimiter, columns) and
each row (values, types, emails, duplicates). Pure functions over text and plain data;
the services store the upload, look up the directory and write.

Files come from Excel in Spanish as often as from anywhere: UTF-8 with or without a
byte-order mark, `;` or `,` between fields, headers with accents and capitals
("Correo electrónico", "Teléfono"). Any other encoding is refused with a message that
says so and how to save the file again; nothing is guessed.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import ContactKind, CoverageArea, ImportBatch, OutletType

MAX_ROWS = 5_000
MAX_FIELD_CHARS = 2_000


class FileRefused(Exception):
    """The file as a whole cannot be read: nothing of it is kept."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize(text: str) -> str:
    """Lowercase, no accents, runs of anything else than letters and digits as one "_"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass(frozen=True)
class Column:
    name: str  # the canonical header, as the export writes it
    label: str
    required: bool
    aliases: tuple = ()


JOURNALIST_COLUMNS = (
    Column("medio", "Medio", True, ("medio_de_comunicacion", "outlet")),
    Column("tipo_medio", "Tipo de medio", True, ("tipo_de_medio", "tipo")),
    Column("nombre", "Nombre", True, ("nombres", "nombre_completo", "periodista", "nombres_y_apellidos")),
    Column("correo", "Correo", True, ("correo_electronico", "email", "e_mail", "mail")),
    Column("fuente", "Fuente", False, ("seccion", "beat")),
    Column("telefono", "Teléfono", False, ("celular", "fono", "phone")),
    Column("acreditacion", "N.° de acreditación", False, ("n_de_acreditacion", "nro_acreditacion", "n_acreditacion")),
    Column(
        "acreditacion_vence", "Acreditación vigente hasta", False, ("vence", "vigencia", "acreditacion_vigente_hasta")
    ),
    Column("cobertura", "Cobertura", False, ("area_de_cobertura",)),
)
CONTACT_COLUMNS = (
    Column("tipo", "Tipo de institución", True, ("tipo_de_institucion",)),
    Column("institucion", "Institución", True, ("organizacion", "entidad")),
    Column("nombre", "Nombre", True, ("nombres", "nombre_completo", "contacto", "nombres_y_apellidos")),
    Column("correo", "Correo", True, ("correo_electronico", "email", "e_mail", "mail")),
    Column("cargo", "Cargo", False, ("puesto",)),
    Column("telefono", "Teléfono", False, ("celular", "fono", "phone")),
)
COLUMNS = {ImportBatch.Kind.JOURNALISTS: JOURNALIST_COLUMNS, ImportBatch.Kind.CONTACTS: CONTACT_COLUMNS}


def _choice_map(choices, extra: dict) -> dict[str, str]:
    mapping = {}
    for value, label in choices:
        mapping[normalize(value)] = value
        mapping[normalize(str(label))] = value
    mapping.update({normalize(k): v for k, v in extra.items()})
    return mapping


def outlet_types() -> dict[str, str]:
    return _choice_map(
        OutletType.choices,
        {"prensa": OutletType.PRESS, "diario": OutletType.PRESS, "periodico": OutletType.PRESS, "tv": OutletType.TV},
    )


def contact_kinds() -> dict[str, str]:
    return _choice_map(ContactKind.choices, {"ministerio": ContactKind.PUBLIC_BODY})


def coverage_areas() -> dict[str, str]:
    return _choice_map(CoverageArea.choices, {"local": CoverageArea.LOCAL})


# --- the file ------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if not data.strip():
        raise FileRefused(_("El archivo está vacío."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            _(
                "El archivo no está en UTF-8: está en UTF-16 («Texto Unicode» de Excel). Guárdelo como "
                "«CSV UTF-8 (delimitado por comas)» y vuelva a subirlo."
            )
        )
    if b"\x00" in data:
        raise FileRefused(_("El archivo no es un CSV de texto (contiene datos binarios). Suba un archivo .csv."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            _(
                "El archivo no está en UTF-8: el byte 0x%(byte)02X de la línea %(line)d no es UTF-8 válido "
                "(probablemente se guardó como «CSV (delimitado por comas)» en Windows-1252/Latin-1). "
                "En Excel, use «Guardar como» › «CSV UTF-8 (delimitado por comas)» y vuelva a subirlo."
            )
            % {"byte": data[error.start], "line": line}
        ) from error


def sniff_delimiter(text: str) -> str:
    """`;` (Excel in Spanish) or `,`: whichever the header line holds more of, outside quotes."""
    header = text.splitlines()[0] if text else ""
    header = re.sub(r'"[^"]*"', "", header)
    return ";" if header.count(";") > header.count(",") else ","


@dataclass
class Parsed:
    kind: str
    delimiter: str
    columns: dict[str, int]  # canonical name -> index in the file
    ignored: list[str]
    rows: list[tuple[int, dict]]  # (line number in the file, canonical name -> value)
    shape_errors: dict[int, list[str]] = field(default_factory=dict)  # line -> errors of the row's shape


def _map_header(kind: str, header: list[str]) -> tuple[dict[str, int], list[str]]:
    spec = COLUMNS[kind]
    lookup = {}
    for column in spec:
        for alias in (column.name, normalize(column.label), *column.aliases):
            lookup.setdefault(normalize(alias), column.name)
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        key = lookup.get(normalize(title))
        if key is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if key in columns:
            raise FileRefused(
                _("La columna «%(column)s» aparece dos veces en el encabezado (columnas %(a)d y %(b)d).")
                % {"column": key, "a": columns[key] + 1, "b": index + 1}
            )
        columns[key] = index
    missing = [column for column in spec if column.required and column.name not in columns]
    if missing:
        raise FileRefused(
            _("Faltan columnas obligatorias: %(missing)s. El encabezado debe tener: %(required)s.")
            % {
                "missing": ", ".join(f"«{column.name}»" for column in missing),
                "required": ", ".join(column.name for column in spec if column.required),
            }
        )
    return columns, ignored


def parse(kind: str, text: str) -> Parsed:
    """Read the CSV text: header, delimiter, rows. A file that cannot be read as a whole
    raises FileRefused; a row of the wrong shape is noted against its line."""
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise FileRefused(_("La primera línea debe ser el encabezado con los nombres de las columnas."))
        columns, ignored = _map_header(kind, header)
        parsed = Parsed(kind, delimiter, columns, ignored, [])
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(parsed.rows) >= MAX_ROWS:
                raise FileRefused(
                    _("El archivo tiene más de %(max)d filas; divídalo en archivos más pequeños.") % {"max": MAX_ROWS}
                )
            values = {name: (cells[index].strip() if index < len(cells) else "") for name, index in columns.items()}
            parsed.rows.append((line, values))
            if len(cells) > len(header):
                parsed.shape_errors.setdefault(line, []).append(
                    _("La fila tiene %(n)d campos y el encabezado %(m)d: revise el separador o las comillas.")
                    % {"n": len(cells), "m": len(header)}
                )
            if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
                parsed.shape_errors.setdefault(line, []).append(
                    _("Un campo pasa de %(max)d caracteres.") % {"max": MAX_FIELD_CHARS}
                )
    except csv.Error as error:
        raise FileRefused(
            _("El CSV está mal formado cerca de la línea %(line)d (%(error)s): revise las comillas.")
            % {"line": reader.line_num, "error": error}
        ) from error
    if not parsed.rows:
        raise FileRefused(_("El archivo solo tiene el encabezado: no hay filas que importar."))
    return parsed


# --- one row ---------------------------------------------------------------------------

PHONE = re.compile(r"^[0-9+()#.\s/-]+(?:\s*(?:anexo|anx\.?|ext\.?)\s*\d+)?$", re.IGNORECASE)


def clean_email(value: str) -> tuple[str, str | None]:
    value = (value or "").strip().lower()
    if not value:
        return "", None
    try:
        if len(value) > 254:
            raise ValidationError("too long")
        validate_email(value)
    except ValidationError:
        return value, _("El correo «%(email)s» no es válido.") % {"email": value}
    return value, None


def clean_phone(value: str) -> tuple[str, str | None]:
    value = re.sub(r"\s+", " ", (value or "").strip())
    if not value:
        return "", None
    digits = re.sub(r"\D", "", value)
    if len(value) > 40 or not PHONE.match(value) or len(digits) < 6:
        return value, _("El teléfono «%(phone)s» no es válido (use dígitos, espacios, + y guiones).") % {"phone": value}
    return value, None


def parse_date(value: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def accepted(mapping: dict[str, str], choices) -> str:
    return ", ".join(str(label) for _value, label in choices)
