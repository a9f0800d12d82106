from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.journalist_list, name="journalist_list"),
    path("periodistas/nuevo/", views.journalist_create, name="journalist_create"),
    path("periodistas/<int:pk>/", views.journalist_edit, name="journalist_edit"),
    path("medios/", views.outlet_list, name="outlet_list"),
    path("medios/nuevo/", views.outlet_create, name="outlet_create"),
    path("medios/<int:pk>/", views.outlet_edit, name="outlet_edit"),
    path("instituciones/", views.contact_list, name="contact_list"),
    path("instituciones/nuevo/", views.contact_create, name="contact_create"),
    path("instituciones/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("listas/", views.list_list, name="list_list"),
    path("listas/nueva/", views.list_create, name="list_create"),
    path("listas/<int:pk>/", views.list_edit, name="list_edit"),
    path("importar/", views.import_upload, name="import_upload"),
    path("importar/<str:token>/", views.import_preview, name="import_preview"),
    path("importar/<str:token>/confirmar/", views.import_confirm, name="import_confirm"),
    path("exportar/<str:what>/", views.export_csv, name="export"),
    # The distribution of one press release (a material request's id).
    path("difusion/<int:pk>/", views.distributions, name="distributions"),
    path("difusion/<int:pk>/enviar/", views.distribute, name="distribute"),
    path(
        "difusion/<int:pk>/envios/<int:distribution_id>/reintentar/",
        views.distribution_retry,
        name="distribution_retry",
    ),
]
