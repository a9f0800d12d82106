"""The JSON shapes the browser receives, over the websocket and from the JSON views alike."""

import json

from django.utils import timezone

from .models import Kind, Notification

# How a notification's date reads on the page, in the municipality's time zone
# (settings.TIME_ZONE): the live script shows this text as it is, whatever the browser's
# own zone, so a row inserted live reads like one the server rendered (approvals.views
# uses the same format for the inbox).
DATE_TIME = "%d/%m/%Y %H:%M"


def notification_payload(notification: Notification) -> dict:
    created = timezone.localtime(notification.created_at)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        # The enum's label, not get_kind_display(), which rebuilds the choices' dict each time.
        "kind_label": str(Kind(notification.kind).label) if notification.kind in Kind.values else notification.kind,
        "message": notification.message,
        "url": notification.url,
        "created_at": created.isoformat(),
        "created_label": created.strftime(DATE_TIME),
        "read": notification.read_at is not None,
        # The task it asked for is done ("Atendida"): derived when read (notifications.asks),
        # so only rows read with `is_done` may say so; a notification just stored is not.
        "resolved": bool(getattr(notification, "is_done", False)),
        # What a later "resolved" push names: the request and the step it asked for.
        "request": notification.request_id,
        "step": notification.step,
    }


def request_state_payload(material_request) -> dict:
    return {
        "request_id": material_request.pk,
        "state": material_request.state,
        "label": str(material_request.state_label),
        "revision": material_request.revision,
    }


def live_message(payloads: list[dict]) -> dict:
    """The channel-layer message that carries payloads to one person's sockets: each one
    already encoded as the text frame the consumer forwards (static/js/live.js reads it)."""
    return {"type": "relay", "frames": [json.dumps(payload) for payload in payloads]}


def fanout_message(deliveries: dict[tuple[str, ...], list[int]]) -> dict:
    """The channel-layer message of one change for every worker process: for each set of
    frames (encoded as live_message's), the ids of the people whose sockets get them."""
    return {"type": "fanout", "deliveries": [[list(frames), user_ids] for frames, user_ids in deliveries.items()]}
