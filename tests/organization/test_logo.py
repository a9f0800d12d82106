"""The municipality's coat of arms: checked by content (PNG or JPEG; SVG, other files,
damaged and oversized images refused in Spanish, the size before any parsing), uploaded by
the administrator in the admin (audited), served to the public by its hash, and shown in the
pages' header and the monthly report."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from organization import logos
from organization.models import Municipality
from organization.services import set_logo
from tests.documents.helpers import png_bytes

pytestmark = pytest.mark.django_db


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 10), (10, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, name="escudo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_png_and_jpeg_are_accepted():
    png = logos.check_logo(upload(png_bytes(8, 6)))
    assert (png.extension, png.content_type, png.width, png.height) == ("png", "image/png", 8, 6)
    assert png.storage_name == f"logos/{hashlib.sha256(png.data).hexdigest()}.png"
    jpeg = logos.check_logo(upload(jpeg_bytes(), "escudo.jpg", "image/jpeg"))
    assert jpeg.extension == "jpg"


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(SVG, "No se admiten imágenes SVG", id="svg"),
        pytest.param(b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "No se admiten imágenes SVG", id="bare-svg"),
        pytest.param(b"GIF89a" + b"\x00" * 20, "no es una imagen PNG ni JPEG", id="gif"),
        pytest.param(b"%PDF-1.7", "no es una imagen PNG ni JPEG", id="pdf"),
        pytest.param(png_bytes(8, 8)[:40], "dañada", id="truncated-png"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 30, "dañada", id="broken-jpeg"),
        pytest.param(png_bytes(5000, 1), "el máximo es 4000 por lado", id="too-wide"),
        pytest.param(b"", "vacío", id="empty"),
    ],
)
def test_anything_else_is_refused_in_spanish(data, message):
    with pytest.raises(logos.InvalidLogo, match=message):
        logos.check_logo(upload(data))


class Oversized:
    """An upload that says it is too large: it must be refused before it is read."""

    size = logos.LOGO_MAX_BYTES + 1

    def seek(self, offset):
        raise AssertionError("an oversized upload must not be read")

    def read(self, *args):
        raise AssertionError("an oversized upload must not be read")


def test_size_is_checked_before_reading():
    with pytest.raises(logos.InvalidLogo, match="pesa más de 2 MB"):
        logos.check_logo(Oversized())


def test_the_administrator_uploads_it_in_the_admin(client, users, units):
    municipality = units["rentas"].municipality
    client.force_login(users["admin"])
    url = reverse("admin:organization_municipality_change", args=[municipality.pk])
    fields = {"name": municipality.name, "short_name": "", "address": "", "phone": "", "email": "", "website": ""}
    refused = client.post(url, {**fields, "logo_upload": upload(SVG, "escudo.svg", "image/svg+xml")})
    assert refused.status_code == 200
    assert "No se admiten imágenes SVG" in refused.content.decode()
    municipality.refresh_from_db()
    assert not municipality.logo_sha256

    image = png_bytes(10, 10, (200, 20, 20))
    response = client.post(url, {**fields, "logo_upload": upload(image)})
    assert response.status_code == 302
    municipality.refresh_from_db()
    assert municipality.logo_sha256 == hashlib.sha256(image).hexdigest()
    event = AuditEvent.objects.get(action="logo_change")
    assert event.actor == users["admin"]
    assert event.data["sha256"] == municipality.logo_sha256


def test_the_public_pages_show_it_and_serve_it_by_its_hash(client, users, units):
    municipality = Municipality.objects.order_by("pk").first()
    image = png_bytes(10, 10, (200, 20, 20))
    page = client.get(reverse("public:list")).content.decode()
    assert "brand-logo" not in page  # without one, the pages look as before
    set_logo(users["admin"], municipality, upload(image))
    logo_url = reverse("public:logo", kwargs={"sha256": hashlib.sha256(image).hexdigest()})
    page = client.get(reverse("public:list")).content.decode()
    assert f'class="brand-logo" src="{logo_url}"' in page
    response = client.get(logo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == image
    assert client.get(reverse("public:logo", kwargs={"sha256": "0" * 64})).status_code == 404


def test_the_monthly_report_carries_it(users, units):
    from docx import Document

    from reports.figures import compute
    from reports.periods import Period
    from reports.rendering import render_report

    march = Period.month(2026, 3)
    plain = Document(io.BytesIO(render_report(compute(march))))
    assert not plain.sections[0].header._element.xpath(".//pic:pic")
    image = png_bytes(8, 8)
    set_logo(users["admin"], Municipality.objects.order_by("pk").first(), upload(image))
    figures = compute(march)
    assert figures["logo"]["sha256"] == hashlib.sha256(image).hexdigest()
    document = Document(io.BytesIO(render_report(figures)))
    assert len(document.sections[0].header._element.xpath(".//pic:pic")) == 1
