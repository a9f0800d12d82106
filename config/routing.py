"""Websocket routes. config.asgi wraps them in AllowedHostsOriginValidator and
AuthMiddlewareStack: a socket from another origin, or without a logged-in session,
never reaches a consumer that would serve it."""

from django.urls import path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notificaciones/", NotificationConsumer.as_asgi()),
]
