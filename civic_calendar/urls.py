from django.urls import path

from . import views

app_name = "civic_calendar"

urlpatterns = [
    path("", views.month_view, name="month"),
    path("lista/", views.event_list, name="list"),
    path("eventos/nuevo/", views.event_create, name="event_create"),
    path("eventos/<int:pk>/", views.event_detail, name="event_detail"),
    path("eventos/<int:pk>/editar/", views.event_edit, name="event_edit"),
    path("eventos/<int:pk>/anular/", views.event_cancel, name="event_cancel"),
    path("eventos/<int:pk>/material/", views.need_add, name="need_add"),
    path("eventos/<int:pk>/material/<int:need_pk>/quitar/", views.need_remove, name="need_remove"),
    path("eventos/<int:pk>/material/<int:need_pk>/vincular/", views.need_link, name="need_link"),
    path("eventos/<int:pk>/generar-solicitudes/", views.spawn, name="spawn"),
    path("suscripcion/renovar/", views.feed_renew, name="feed_renew"),
    path("suscripcion/revocar/", views.feed_revoke, name="feed_revoke"),
    path("ics/<str:token>.ics", views.ics_feed, name="ics"),
]
