"""The municipality's electronic signature on its official PDFs (PAdES, with pyHanko).

The certificate is a PKCS#12 file and its passphrase, both from the environment
(`DOCUMENT_SIGNING_CERTIFICATE`, `DOCUMENT_SIGNING_PASSPHRASE`). In Peru it would be a
digital certificate of the municipality under Ley 27269 (Ley de Firmas y Certificados
Digitales) issued by an accredited authority; for the demo, `seed_demo` makes a self-signed
one whose name says it has no legal value (`make_demo_certificate`).

Every failure is a `SigningError` with a Spanish message the office reads; `problems()` is
what `manage.py check` reports (documents/checks.py).
"""

import datetime
import io
import os
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _

DEMO_COMMON_NAME = "CERTIFICADO DE DEMOSTRACIÓN — SIN VALOR LEGAL"
SIGNATURE_FIELD = "FirmaMunicipalidad"
P12_MAX_BYTES = 1024 * 1024


class SigningError(Exception):
    """The PDF could not be signed: no certificate, a wrong passphrase, an expired one."""


@dataclass(frozen=True)
class Credentials:
    key: object
    certificate: x509.Certificate
    chain: tuple

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.subject

    @property
    def is_demo(self) -> bool:
        return DEMO_COMMON_NAME in self.common_name


def configured_path() -> str:
    return getattr(settings, "DOCUMENT_SIGNING_CERTIFICATE", "") or ""


def load_credentials() -> Credentials:
    """The key and certificate of the configured PKCS#12 file. Raises SigningError."""
    path = configured_path()
    if not path:
        raise SigningError(
            _(
                "No hay certificado de firma configurado (DOCUMENT_SIGNING_CERTIFICATE): "
                "los PDF no se pueden firmar hasta que se instale uno."
            )
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(P12_MAX_BYTES + 1)
    except OSError as error:
        raise SigningError(
            _("No se pudo leer el certificado de firma «%(path)s»: %(error)s.")
            % {"path": path, "error": error.strerror}
        ) from error
    if len(data) > P12_MAX_BYTES:
        raise SigningError(_("El archivo del certificado de firma es demasiado grande para ser un PKCS#12."))
    passphrase = getattr(settings, "DOCUMENT_SIGNING_PASSPHRASE", "") or ""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8") or None)
    except ValueError as error:
        raise SigningError(
            _(
                "La frase de paso del certificado de firma (DOCUMENT_SIGNING_PASSPHRASE) es incorrecta, "
                "o el archivo no es un PKCS#12 válido."
            )
        ) from error
    if key is None or certificate is None:
        raise SigningError(_("El archivo PKCS#12 no contiene la clave privada y el certificado de firma."))
    now = datetime.datetime.now(datetime.UTC)
    if certificate.not_valid_after_utc < now:
        raise SigningError(
            _("El certificado de firma venció el %(date)s: instale uno vigente.")
            % {"date": f"{certificate.not_valid_after_utc:%d/%m/%Y}"}
        )
    if certificate.not_valid_before_utc > now:
        raise SigningError(
            _("El certificado de firma no es válido hasta el %(date)s.")
            % {"date": f"{certificate.not_valid_before_utc:%d/%m/%Y}"}
        )
    return Credentials(key, certificate, tuple(chain or ()))


def problems() -> list[str]:
    """What is wrong with the signing configuration, in Spanish (empty when it signs)."""
    try:
        load_credentials()
    except SigningError as error:
        return [str(error)]
    return []


def _asn1(certificate: x509.Certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def trust_roots(credentials: Credentials) -> list:
    """The certificates a validator trusts for our own documents: the signing certificate
    and the chain that came with it (a self-signed demo certificate is its own root)."""
    return [_asn1(credentials.certificate), *(_asn1(item) for item in credentials.chain)]


def sign_pdf(data: bytes, *, reason: str, location: str, name: str, credentials: Credentials | None = None) -> bytes:
    """The PDF with a PAdES signature (B-B: signing time, reason, location), added as an
    incremental update so the PDF/A document it signs stays as LibreOffice wrote it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    credentials = credentials or load_credentials()
    signer = signers.SimpleSigner(
        signing_cert=_asn1(credentials.certificate),
        signing_key=_private_key_info(credentials.key),
        cert_registry=_registry(credentials),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason[:300],
        location=location[:200],
        name=name[:200],
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    try:
        return signers.sign_pdf(writer, metadata, signer=signer).getvalue()
    except Exception as error:  # pyHanko raises many kinds; the office needs one message
        raise SigningError(_("No se pudo firmar el PDF: %(error)s") % {"error": error}) from error


def _private_key_info(key):
    from asn1crypto import keys

    return keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _registry(credentials: Credentials):
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return SimpleCertificateStore.from_certs([_asn1(item) for item in credentials.chain])


# --- validation (the tests, and the public comparison of an uploaded copy) ---------------------


@dataclass(frozen=True)
class SignatureCheck:
    present: bool
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # signed by our certificate (or its chain)
    whole_file: bool = False  # the signature covers the entire file
    signer: str = ""
    signed_at: datetime.datetime | None = None
    error: str = ""

    @property
    def valid(self) -> bool:
        return self.present and self.intact and self.trusted and self.whole_file


def check_signature(reader, roots) -> SignatureCheck:
    """Validate the last signature of a PDF (a pyHanko reader) against our roots. Never
    raises: a validator's failure is reported as an invalid signature."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signatures = reader.embedded_signatures
    if not signatures:
        return SignatureCheck(present=False)
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots, allow_fetching=False))
    except Exception as error:  # a damaged signature is a bad signature, not a server error
        return SignatureCheck(present=True, error=str(error)[:300])
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    return SignatureCheck(
        present=True,
        intact=bool(status.intact),
        trusted=bool(status.valid and status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
    )


# --- the demo certificate -----------------------------------------------------------------------


def make_demo_certificate(
    path: str, passphrase: str, municipality: str, *, days: int = 3650, common_name: str = DEMO_COMMON_NAME
) -> Credentials:
    """Write a self-signed PKCS#12 named as what it is: a demo with no legal value (the tests
    name theirs otherwise, to stand for a real certificate)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, municipality[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Firma de documentos oficiales"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        common_name.encode("utf-8"),
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return Credentials(key, certificate, ())
