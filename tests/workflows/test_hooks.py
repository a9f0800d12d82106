"""workflows.hooks: every hook a transition calls has its implementation once Django is set
up, and a hook nobody registered refuses loudly instead of skipping the work."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from approvals import services as approval_services
from documents import services as document_services
from documents.models import DocumentVersion
from notifications import hooks as notification_hooks
from notifications import services as notification_services
from workflows import hooks


def test_the_apps_above_registered_every_hook():
    assert hooks.flow_sync.check_task_owner.implementation is approval_services.check_task_owner
    assert hooks.flow_sync.advance.implementation is approval_services.advance
    assert hooks.record_version.implementation is document_services.record_version
    assert hooks.notify_transition.implementation is notification_services.notify_transition
    assert hooks.notify_task.implementation is notification_hooks.notify_task
    assert hooks.DocumentVersion.objects.model is DocumentVersion


def test_an_unregistered_hook_refuses():
    hook = hooks.Hook("example", "an app")
    with pytest.raises(ImproperlyConfigured, match="an app"):
        hook(1, two=2)
    hook.register(lambda *args, **kwargs: (args, kwargs))
    assert hook(1, two=2) == ((1,), {"two": 2})
