from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.log, name="log"),
    path("solicitudes/<int:pk>/", views.request_timeline, name="request_timeline"),
    path("exportar.csv", views.export_csv, name="export_csv"),
    path("exportar.xlsx", views.export_xlsx, name="export_xlsx"),
]
