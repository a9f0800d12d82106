"""CSV exports of the directory: the columns the import reads (so an export edited in
Excel can be imported elsewhere), `;` between fields as Excel in Spanish expects, UTF-8
with a byte-order mark, and every text cell that would start a formula neutralized the
way the audit log's export does it (audit.exports._csv_cell: a leading apostrophe)."""

import csv

from audit.exports import BOM, Echo, _csv_cell

DELIMITER = ";"

JOURNALIST_HEADER = [
    "medio",
    "tipo_medio",
    "nombre",
    "correo",
    "fuente",
    "telefono",
    "acreditacion",
    "acreditacion_vence",
    "cobertura",
    "activo",
    "listas",
]
CONTACT_HEADER = ["tipo", "institucion", "nombre", "correo", "cargo", "telefono", "activo", "listas"]
OUTLET_HEADER = ["medio", "tipo_medio", "cobertura", "sitio_web", "telefono", "correo", "activo", "periodistas"]


def _yes(flag: bool) -> str:
    return "sí" if flag else "no"


def _lists(person) -> str:
    return " | ".join(sorted(item.name for item in person.lists.all()))


def journalist_row(journalist) -> list:
    until = journalist.accreditation_valid_until
    return [
        journalist.outlet.name,
        journalist.outlet.get_outlet_type_display(),
        journalist.full_name,
        journalist.email,
        journalist.beat,
        journalist.phone,
        journalist.accreditation_number,
        until.strftime("%d/%m/%Y") if until else "",
        journalist.outlet.get_coverage_area_display(),
        _yes(journalist.is_active),
        _lists(journalist),
    ]


def contact_row(contact) -> list:
    return [
        contact.get_kind_display(),
        contact.organization,
        contact.full_name,
        contact.email,
        contact.position,
        contact.phone,
        _yes(contact.is_active),
        _lists(contact),
    ]


def outlet_row(outlet) -> list:
    return [
        outlet.name,
        outlet.get_outlet_type_display(),
        outlet.get_coverage_area_display(),
        outlet.website,
        outlet.phone,
        outlet.email,
        _yes(outlet.is_active),
        outlet.journalist_count,
    ]


def csv_lines(header: list[str], rows, to_cells):
    """The CSV, a line at a time (UTF-8 with BOM)."""
    writer = csv.writer(Echo(), delimiter=DELIMITER)
    yield (BOM + writer.writerow(header)).encode()
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in to_cells(row)]).encode()
