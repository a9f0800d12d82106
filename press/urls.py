from django.urls import path

from . import views

app_name = "press"

urlpatterns = [
    path("", views.archive_list, name="archive"),
    path("archivo/<int:pk>/", views.archive_entry, name="archive_entry"),
    path("seguimiento/", views.coverage_list, name="coverage_list"),
    path("seguimiento/nueva/", views.coverage_create, name="coverage_create"),
    path("seguimiento/resumen/", views.coverage_summary, name="coverage_summary"),
    path("seguimiento/<int:pk>/editar/", views.coverage_edit, name="coverage_edit"),
    path("seguimiento/<int:pk>/recorte/", views.coverage_clipping, name="coverage_clipping"),
]
