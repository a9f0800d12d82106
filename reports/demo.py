"""Demo data for this app, called by `manage.py seed_demo` after the requests exist."""

from .models import Report
from .periods import previous_month
from .services import generate_report


def seed(users) -> int:
    """Last month's report, generated once by the gerente. Idempotent; `users` maps demo
    usernames to users (and "_units" to the units). Returns how many objects were created."""
    period = previous_month()
    if Report.objects.filter(period_kind=period.kind, period_start=period.start).exists():
        return 0
    generate_report(users["gerente"], period)
    return 1
