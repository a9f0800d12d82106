from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("generar/", views.report_generate, name="generate"),
    path("<int:pk>/docx/", views.report_download, name="download"),
]
