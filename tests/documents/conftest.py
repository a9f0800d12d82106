import pytest

from documents import official

from .pdfkit import PASSPHRASE, make_certificate, tiny_pdf


@pytest.fixture(scope="session")
def signing_certificate(tmp_path_factory):
    """A self-signed PKCS#12 of the tests' own (path, credentials), made once per session."""
    return make_certificate(tmp_path_factory.mktemp("firma"))


@pytest.fixture
def signing_configured(settings, signing_certificate):
    """The settings of an installation with its certificate configured."""
    path, credentials = signing_certificate
    settings.DOCUMENT_SIGNING_CERTIFICATE = path
    settings.DOCUMENT_SIGNING_PASSPHRASE = PASSPHRASE
    return credentials


@pytest.fixture
def fake_libreoffice(monkeypatch):
    """The conversion replaced by a tiny PDF: what LibreOffice received is kept."""
    received = []

    def convert(data, *, name="documento"):
        received.append(data)
        return tiny_pdf(f"Documento {len(received)}")

    monkeypatch.setattr(official, "docx_to_pdf", convert)
    return received
