from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Solicitudes de material")

    def ready(self):
        from django.contrib.auth.models import Group
        from django.db.models.signals import post_delete, post_migrate, post_save

        from .permissions import clear_static_cache

        post_migrate.connect(clear_static_cache, dispatch_uid="workflows_static_cache_migrate")
        post_save.connect(clear_static_cache, sender=Group, dispatch_uid="workflows_static_cache_group_saved")
        post_delete.connect(clear_static_cache, sender=Group, dispatch_uid="workflows_static_cache_group_deleted")
