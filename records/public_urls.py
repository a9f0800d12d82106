"""Public pages (no login), mounted at /publico/."""

from django.urls import path

from . import public_views
from .feeds import PressReleaseFeed

app_name = "public"

urlpatterns = [
    path("", public_views.public_list, name="list"),
    path("notas-de-prensa.atom", PressReleaseFeed(), name="press_feed"),
    path("<str:reference>/", public_views.public_detail, name="detail"),
    path("<str:reference>/verificar/", public_views.verify_copy, name="verify"),
]
