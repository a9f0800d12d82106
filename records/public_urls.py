"""Public pages (no login), mounted at /publico/."""

from django.urls import path

from . import public_views, verify_views
from .feeds import PressReleaseFeed

app_name = "public"

urlpatterns = [
    path("", public_views.public_list, name="list"),
    path("notas-de-prensa.atom", PressReleaseFeed(), name="press_feed"),
    path("escudo/<str:sha256>/", public_views.municipality_logo, name="logo"),
    # Before the references: "verificar" is no reference, and must not be read as one.
    path("verificar/", verify_views.verify_lookup, name="verify_lookup"),
    path("verificar/<str:code>/", verify_views.verify_code, name="verify_code"),
    path("verificar/<str:code>/pdf/", verify_views.verify_pdf, name="verify_pdf"),
    path("verificar/<str:code>/comparar/", verify_views.verify_upload, name="verify_upload"),
    path("<str:reference>/", public_views.public_detail, name="detail"),
    path("<str:reference>/verificar/", public_views.verify_copy, name="verify"),
]
