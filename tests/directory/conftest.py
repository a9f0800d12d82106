"""Shared pieces of the directory tests: people, outlets and lists made through the
services, published press releases, CSV files as Excel writes them, and email backends
that fail on purpose."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from directory import services
from directory.models import OutletType
from tests.factories import request_in_state
from workflows.models import Kind, State

# Addresses the failing backend refuses, as a full or missing mailbox does.
REFUSED = ("rebota@example.pe", "lleno@example.pe")


class FailingBackend(EmailBackend):
    """locmem, except for the REFUSED addresses, which the "server" refuses."""

    def send_messages(self, messages):
        for message in messages:
            refused = [address for address in message.to if address in REFUSED]
            if refused:
                raise smtplib.SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"5.1.1 User unknown")))
        return super().send_messages(messages)


class DownBackend(EmailBackend):
    """A mail server that cannot be reached."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")


def make_outlet(user, name="Radio Capital", outlet_type=OutletType.RADIO, **extra):
    return services.save_outlet(user, {"name": name, "outlet_type": outlet_type, "coverage_area": "lima", **extra})


def make_journalist(user, outlet, full_name="Ana Torres", email="ana.torres@example.pe", **extra):
    data = {"outlet": outlet, "full_name": full_name, "email": email, "beat": "Locales", "phone": "987 654 321"}
    data.update(extra)
    return services.save_journalist(user, data)


def make_contact(user, full_name="Inés Garrido", email="prensa.embajada@example.pe", **extra):
    data = {
        "kind": "embajada",
        "organization": "Embajada de España",
        "full_name": full_name,
        "position": "Agregada de prensa",
        "email": email,
    }
    data.update(extra)
    return services.save_contact(user, data)


def make_list(user, name, journalists=(), contacts=()):
    return services.save_list(
        user, {"name": name, "description": "", "is_active": True}, journalists=journalists, contacts=contacts
    )


@pytest.fixture
def publicador(users):
    return users["publicador"]


@pytest.fixture
def outlet(publicador):
    return make_outlet(publicador)


@pytest.fixture
def press_release(users, units):
    """A press release of Rentas, published by the publicador."""
    return request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)


@pytest.fixture
def directory(publicador, outlet):
    """Three journalists (one without email, one inactive), one contact, two lists."""
    other = make_outlet(publicador, name="Diario El Vecino", outlet_type=OutletType.PRESS)
    ana = make_journalist(publicador, outlet)
    luis = make_journalist(
        publicador, other, full_name="Luis Paredes", email="luis.paredes@example.pe", beat="Política"
    )
    sin_correo = make_journalist(publicador, other, full_name="Óscar Tapia", email="")
    inactivo = make_journalist(publicador, outlet, full_name="Marta Ríos", email="marta.rios@example.pe")
    contact = make_contact(publicador)
    local = make_list(publicador, "Prensa local", journalists=[ana, sin_correo, inactivo], contacts=[contact])
    # Left the outlet after joining the list: deactivated, still a member.
    inactivo = services.save_journalist(publicador, {"is_active": False}, instance=inactivo)
    nacional = make_list(publicador, "Medios nacionales", journalists=[luis, ana])
    return {
        "ana": ana,
        "luis": luis,
        "sin_correo": sin_correo,
        "inactivo": inactivo,
        "contact": contact,
        "local": local,
        "nacional": nacional,
    }


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


def csv_bytes(rows: list[list[str]], *, delimiter=";", bom=True, encoding="utf-8") -> bytes:
    """A CSV as Excel in Spanish saves it: `;` between fields, CRLF, a BOM for UTF-8."""
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            cell = str(cell)
            if delimiter in cell or '"' in cell or "\n" in cell:
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        lines.append(delimiter.join(cells))
    text = "\r\n".join(lines) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data


JOURNALIST_HEADER = ["Medio", "Tipo de medio", "Nombre", "Correo electrónico", "Fuente", "Teléfono"]


def journalist_rows(count: int, *, start: int = 1) -> list[list[str]]:
    types = ["Radio", "Prensa escrita", "Televisión", "Digital"]
    return [
        [
            f"Medio {n % 7}",
            types[(n % 7) % 4],
            f"Periodista Número {n}",
            f"periodista{n}@example.pe",
            "Locales",
            f"987 {n:06d}",
        ]
        for n in range(start, start + count)
    ]
