"""The site's URLs plus views that fail on purpose, for the error-page tests.

The handlers are the site's own (config.urls): Django looks them up on the URLconf in use."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def crash(request):
    raise RuntimeError("a view that crashes")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a malformed request")


urlpatterns = [
    path("prueba/falla/", crash),
    path("prueba/prohibido/", forbidden),
    path("prueba/sospechoso/", suspicious),
    *site_urlpatterns,
]
