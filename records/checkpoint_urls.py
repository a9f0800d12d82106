from django.urls import path

from . import checkpoint_views

app_name = "checkpoints"

urlpatterns = [
    path("", checkpoint_views.checkpoint_list, name="list"),
    path("nuevo/", checkpoint_views.checkpoint_create, name="create"),
]
