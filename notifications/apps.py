from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notificaciones")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth import signals as auth_signals
        from django.db.models.signals import post_save

        from . import signals

        auth_signals.user_logged_out.connect(signals.on_logout, dispatch_uid="notifications_logout")
        post_save.connect(signals.on_user_saved, sender=get_user_model(), dispatch_uid="notifications_deactivation")
