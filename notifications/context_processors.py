from django.utils.functional import SimpleLazyObject

from . import selectors


def notifications(request):
    """The header's bell: unread count and the newest id, read (one query) only when a
    page for a logged-in user renders it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": SimpleLazyObject(lambda: selectors.bell(user))}
