from .models import AuditEvent
from .services import chain_for


def events_for(obj):
    """The trail of one object, oldest first, with the actor joined in."""
    return AuditEvent.objects.filter(chain=chain_for(obj)).select_related("actor", "on_behalf_of").order_by("sequence")
