"""Demo data for this app, called by `manage.py seed_demo` after the requests exist."""


def seed(users) -> int:
    """Idempotent; `users` maps demo usernames to users (and "_units" to the units). Returns
    how many objects were created."""
    return 0
