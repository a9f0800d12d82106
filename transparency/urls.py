from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("nueva/", views.register_create, name="create"),
    path("<int:pk>/", views.register_detail, name="detail"),
    path("<int:pk>/editar/", views.register_edit, name="edit"),
    path("<int:pk>/accion/<str:code>/", views.register_action, name="action"),
    path("<int:pk>/solicitudes/vincular/", views.link_request, name="link_request"),
    path("<int:pk>/solicitudes/<int:request_pk>/desvincular/", views.unlink_request, name="unlink_request"),
    path("<int:pk>/documentos/vincular/", views.link_document, name="link_document"),
    path("<int:pk>/documentos/<int:version_pk>/desvincular/", views.unlink_document, name="unlink_document"),
]
