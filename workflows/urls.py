from django.urls import path

from . import schedule_views, views

# The request's documents pages (versions, DOCX import) join this namespace in config/urls.py:
# documents/urls.py.
app_name = "workflows"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("urgentes/", views.urgent_publications, name="urgent_publications"),
    path("nueva/", views.request_kind_choice, name="request_kind_choice"),
    path("nueva/<slug:kind>/", views.request_create, name="request_create"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/editar/", views.request_edit, name="request_edit"),
    path("<int:pk>/accion/<slug:code>/", views.request_action, name="request_action"),
    path("<int:pk>/adjuntos/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/adjuntos/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/adjuntos/<int:attachment_id>/eliminar/", views.attachment_remove, name="attachment_remove"),
    path("<int:pk>/programar/", schedule_views.schedule_publication, name="schedule_publication"),
    path("<int:pk>/programar/anular/", schedule_views.unschedule_publication, name="unschedule_publication"),
    path("<int:pk>/compartir/", views.share_create, name="share_create"),
    path("<int:pk>/compartir/<int:share_id>/revocar/", views.share_revoke, name="share_revoke"),
]
