"""The demo's document identity (seed_demo, by name, before the requests): the municipality's
coat of arms and a self-signed signing certificate named as what it is,
"CERTIFICADO DE DEMOSTRACIÓN — SIN VALOR LEGAL", so the demo's approvals get signed PDFs.
Idempotent: an existing certificate or logo is left as it is; a real certificate configured
in the environment is never touched."""

import io
import os

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from organization.services import set_logo

from . import signing


def demo_logo_png() -> bytes:
    """A simple coat of arms drawn here: a blue and gold shield on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 180), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    shield = [(10, 10), (150, 10), (150, 100), (80, 170), (10, 100)]
    draw.polygon(shield, fill=(22, 64, 140), outline=(200, 160, 30), width=6)
    draw.polygon([(80, 30), (120, 95), (40, 95)], fill=(200, 160, 30))
    draw.rectangle([(55, 110), (105, 125)], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def seed(users, municipality, stdout=None) -> None:
    if not municipality.logo_sha256:
        set_logo(users["admin"], municipality, SimpleUploadedFile("escudo.png", demo_logo_png(), "image/png"))
    path = signing.configured_path()
    if path and path == settings.DEMO_SIGNING_CERTIFICATE and not os.path.exists(path):
        signing.make_demo_certificate(path, settings.DOCUMENT_SIGNING_PASSPHRASE, municipality.name)
        if stdout is not None:
            stdout.write(f"Certificado de firma de demostración (SIN VALOR LEGAL) creado en {path}.")
