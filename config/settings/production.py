"""Production: every secret and host must come from the environment, or startup fails."""

from .base import *  # noqa: F403
from .base import DEV_AUDIT_CHECKPOINT_KEY, env

DEBUG = False
# No defaults on purpose: environ raises ImproperlyConfigured when these are missing.
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS or not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY y ALLOWED_HOSTS son obligatorios en producción.")

# Audit checkpoints (base.py): a seal key of their own, required, never the public
# development key nor SECRET_KEY (rotated for other reasons; old seals must keep verifying).
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY")
AUDIT_CHECKPOINT_KEY_ID = env.str("AUDIT_CHECKPOINT_KEY_ID", default="1")
if len(AUDIT_CHECKPOINT_KEY) < 32 or AUDIT_CHECKPOINT_KEY in (DEV_AUDIT_CHECKPOINT_KEY, SECRET_KEY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "AUDIT_CHECKPOINT_KEY es obligatoria en producción: al menos 32 caracteres al azar, distinta de SECRET_KEY."
    )

# The signing certificate: no demo default in production. Missing or wrong, the office still
# approves and the PDFs wait (documents/official.py); `manage.py check` warns.
DOCUMENT_SIGNING_CERTIFICATE = env.str("DOCUMENT_SIGNING_CERTIFICATE", default="")
DOCUMENT_SIGNING_PASSPHRASE = env.str("DOCUMENT_SIGNING_PASSPHRASE", default="")

# Behind a TLS-terminating reverse proxy (nginx) that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# EMAIL_URL (smtp+tls://user:password@host:587) gives host, port and credentials;
# EMAIL_BACKEND, when set, still chooses the backend.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update({name: value for name, value in EMAIL_CONFIG.items() if name != "EMAIL_BACKEND"})
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG.get("EMAIL_BACKEND", EMAIL_BACKEND))
