"""The verification code an official document carries, and its QR.

Every approved or published version gets a short code anyone can type, derived from the
version's hash and number (the approval and the publication of the same text share one
hash, so the number keeps their codes apart): ``VER-7K2M-Q9XD``. Its alphabet has no
characters people confuse when they read a printout aloud (no 0/O, 1/I/L, U/V), and
typing is forgiving: lower case, spaces and missing dashes are accepted.

The QR holds ``<SITE_URL>/publico/verificar/<code>/``. The site's address is frozen in
the version's snapshot (``verify_base``) when the version is made, so its DOCX stays
byte-identical even if the site later moves.
"""

import hashlib
import io
import re

import segno
from django.conf import settings

PREFIX = "VER"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"  # 29 symbols: no 0 O 1 I L U V
GROUPS, GROUP_SIZE = 2, 4
CODE_RE = re.compile(rf"{PREFIX}-[{ALPHABET}]{{{GROUP_SIZE}}}-[{ALPHABET}]{{{GROUP_SIZE}}}")
PATH = "/publico/verificar/"


def verification_code(snapshot_sha256: str, number: int) -> str:
    """The code of a version: 8 symbols of the SHA-256 of its hash and number (about 5·10¹¹
    codes; the database's unique constraint catches the improbable clash)."""
    digest = int.from_bytes(hashlib.sha256(f"{snapshot_sha256}:v{number}".encode("ascii")).digest(), "big")
    symbols = []
    for _ in range(GROUPS * GROUP_SIZE):
        digest, index = divmod(digest, len(ALPHABET))
        symbols.append(ALPHABET[index])
    groups = ["".join(symbols[start : start + GROUP_SIZE]) for start in range(0, len(symbols), GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def normalize_code(text: str) -> str | None:
    """The canonical code for what someone typed (``ver 7k2m q9xd``, ``7K2MQ9XD``…), or
    None if it cannot be one. Never guesses a character outside the alphabet."""
    compact = re.sub(r"[\s\-_.]", "", (text or "").upper())[:40]
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != GROUPS * GROUP_SIZE or any(symbol not in ALPHABET for symbol in compact):
        return None
    return f"{PREFIX}-{compact[:GROUP_SIZE]}-{compact[GROUP_SIZE:]}"


def site_base() -> str:
    return settings.NOTIFICATIONS_SITE_URL.rstrip("/")


def verification_url(code: str, base: str | None = None) -> str:
    return f"{(base if base is not None else site_base()).rstrip('/')}{PATH}{code}/"


def qr_png(url: str, *, scale: int = 6) -> bytes:
    """The QR as a PNG: error correction M, a quiet zone of 2 modules; the same URL always
    gives the same bytes (segno writes no time into the file)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", boost_error=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
