from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notificaciones")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth import signals as auth_signals
        from django.db.models.signals import post_save

        from workflows import hooks

        from . import hooks as implementations
        from . import services, signals

        # The notifications of every change to a request (workflows.hooks).
        hooks.notify_transition.register(services.notify_transition)
        hooks.notify_task.register(implementations.notify_task)

        auth_signals.user_logged_out.connect(signals.on_logout, dispatch_uid="notifications_logout")
        post_save.connect(signals.on_user_saved, sender=get_user_model(), dispatch_uid="notifications_deactivation")
