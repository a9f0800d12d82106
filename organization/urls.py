from django.urls import path

from . import views

app_name = "organization"

urlpatterns = [
    path("encargaturas/", views.delegation_list, name="delegation_list"),
    path("encargaturas/nueva/", views.delegation_create, name="delegation_create"),
    path("encargaturas/<int:pk>/revocar/", views.delegation_revoke, name="delegation_revoke"),
]
