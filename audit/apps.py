from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Auditoría")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth import signals as auth_signals
        from django.db.models.signals import m2m_changed

        from . import signals

        auth_signals.user_logged_in.connect(signals.on_login, dispatch_uid="audit_login")
        auth_signals.user_logged_out.connect(signals.on_logout, dispatch_uid="audit_logout")
        auth_signals.user_login_failed.connect(signals.on_login_failed, dispatch_uid="audit_login_failed")
        user_locked_out.connect(signals.on_locked_out, dispatch_uid="audit_lockout")
        m2m_changed.connect(
            signals.on_groups_changed, sender=get_user_model().groups.through, dispatch_uid="audit_groups"
        )
