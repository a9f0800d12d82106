"""The documents' pages of one request: its versions, their comparison and DOCX, the DOCX
import. They live under the request's address (/solicitudes/<pk>/...) and in the
`workflows` URL namespace (workflows:version_list...), so config/urls.py serves them
together with workflows.urls: workflows, below documents, does not import these views.
"""

from django.urls import path

from . import import_views, views

urlpatterns = [
    path("<int:pk>/importar-docx/", import_views.import_docx, name="import_docx"),
    path("<int:pk>/versiones/", views.version_list, name="version_list"),
    path("<int:pk>/versiones/revision/", views.version_review, name="version_review"),
    path("<int:pk>/versiones/comparar/", views.version_compare, name="version_compare"),
    path("<int:pk>/versiones/<int:number>/docx/", views.version_docx, name="version_docx"),
    path("<int:pk>/versiones/<int:number>/pdf/", views.version_pdf, name="version_pdf"),
    path("<int:pk>/versiones/<int:number>/pdf/reintentar/", views.version_pdf_retry, name="version_pdf_retry"),
]
