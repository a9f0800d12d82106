from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("nuevas/", views.new_notifications, name="new"),
    path("marcar-leidas/", views.mark_read, name="mark_read"),
    path("preferencias/", views.preferences, name="preferences"),
    path("solicitud/<int:pk>/estado/", views.request_state, name="request_state"),
]
