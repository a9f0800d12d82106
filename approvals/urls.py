from django.urls import path

from . import task_pages, views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("decidir/<int:pk>/", views.decide, name="decide"),
    path("aprobar-seleccion/", views.bulk_approve, name="bulk_approve"),
    path("tareas/<int:task_pk>/tomar/", views.take, name="take"),
    path("tareas/<int:task_pk>/liberar/", views.release, name="release"),
    path("tareas/<int:task_pk>/reasignar/", views.reassign, name="reassign"),
    path("tareas/<int:task_pk>/", task_pages.open_task, name="open_task"),
]
