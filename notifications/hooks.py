"""The notifications' side of workflows.hooks (registered in NotificationsConfig.ready())."""

from .asks import STEP_OF_ACTION
from .models import Kind
from .services import store_notifications


def notify_task(recipient, material_request, message: str):
    """A "task assigned" notification to one person about a request (workflows.scheduling:
    the publicador of a schedule the job dropped). It asks them to publish: it is done
    once the request is published (notifications.asks)."""
    return store_notifications(
        recipients={recipient: Kind.TASK_ASSIGNED},
        material_request=material_request,
        messages={Kind.TASK_ASSIGNED: message},
        steps={recipient: STEP_OF_ACTION["publish"]},
    )
