from django.urls import path

from . import dossier_views

app_name = "dossier"

urlpatterns = [
    path("", dossier_views.job_list, name="list"),
    path("solicitudes/<int:pk>/", dossier_views.request_dossier, name="request"),
    path("transparencia/<int:pk>/", dossier_views.transparency_dossier, name="transparency"),
    path("<uuid:job_id>/", dossier_views.job_detail, name="job"),
    path("<uuid:job_id>/estado/", dossier_views.job_status, name="status"),
    path("<uuid:job_id>/descargar/", dossier_views.job_download, name="download"),
]
