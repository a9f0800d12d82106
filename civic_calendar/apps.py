from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicCalendarConfig(AppConfig):
    name = "civic_calendar"
    verbose_name = _("Calendario cívico")
