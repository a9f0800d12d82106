"""Lead times: how many working days before an event its material must be ready.

The defaults, seeded by migration 0002 and editable in the admin (LeadTime):

- speech (discurso del Alcalde): 10 working days, as the office asks (issue 8): the unit
  sends the event's facts, the office writes, the gerente approves, the mayor reads it.
- publication, any format: 5 working days (review, approval, design for the networks).
- press release (nota de prensa): 3 working days; it is short and written close to the
  event, but still goes through review and approval before the event.
- magazine (revista): 20 working days (layout and printing).
- campaign: 15 working days (design, approval, printing and the start of diffusion
  before the date or season it serves).
- signage (señalización): 15 working days (design, fabrication and installation).

When a row is missing (deleted in the admin), the same defaults apply from DEFAULTS.
"""

from transparency.deadlines import WorkingCalendar
from workflows.models import Kind, PublicationFormat

from .models import LeadTime

# (kind, publication format or "") -> working days.
DEFAULTS = {
    (Kind.SPEECH.value, ""): 10,
    (Kind.PUBLICATION.value, ""): 5,
    (Kind.PUBLICATION.value, PublicationFormat.PRESS_RELEASE.value): 3,
    (Kind.PUBLICATION.value, PublicationFormat.MAGAZINE.value): 20,
    (Kind.CAMPAIGN.value, ""): 15,
    (Kind.SIGNAGE.value, ""): 15,
}
FALLBACK_DAYS = 5


class LeadTimes:
    """The configured lead times, read once (one query) for a page or a service call."""

    def __init__(self, rows=None):
        if rows is None:
            rows = LeadTime.objects.values_list("kind", "publication_format", "working_days")
        self.table = {(kind, fmt or ""): days for kind, fmt, days in rows}

    def days_for(self, kind: str, publication_format: str = "") -> int:
        fmt = publication_format if kind == Kind.PUBLICATION else ""
        for key in ((kind, fmt), (kind, "")):
            if key in self.table:
                return self.table[key]
        for key in ((kind, fmt), (kind, "")):
            if key in DEFAULTS:
                return DEFAULTS[key]
        return FALLBACK_DAYS


def requested_by_for(event_date, lead_days: int, calendar: WorkingCalendar | None = None):
    """The date a need's material must be ready: the event's date counted back by the
    lead time in working days (weekends, holidays and días no laborables skipped)."""
    return (calendar or WorkingCalendar()).subtract_working_days(event_date, lead_days)
