"""The default lead times (working days before an event), editable in the admin
afterwards; civic_calendar/leadtimes.py says why each one."""

from django.db import migrations

DEFAULTS = [
    ("speech", "", 10, "Discurso del Alcalde: 10 días hábiles (la unidad informa, la oficina redacta, el gerente aprueba)."),
    ("publication", "", 5, "Publicaciones en general: revisión, aprobación y diseño."),
    ("publication", "nota_prensa", 3, "Nota de prensa: breve, pero pasa por revisión y aprobación antes del evento."),
    ("publication", "revista", 20, "Revista: diagramación e impresión."),
    ("campaign", "", 15, "Campaña: diseño, aprobación, impresión y difusión antes de la fecha."),
    ("signage", "", 15, "Señalización: diseño, fabricación e instalación."),
]


def add_defaults(apps, schema_editor):
    LeadTime = apps.get_model("civic_calendar", "LeadTime")
    for kind, fmt, days, note in DEFAULTS:
        LeadTime.objects.get_or_create(kind=kind, publication_format=fmt, defaults={"working_days": days, "note": note})


def remove_defaults(apps, schema_editor):
    LeadTime = apps.get_model("civic_calendar", "LeadTime")
    for kind, fmt, _days, _note in DEFAULTS:
        LeadTime.objects.filter(kind=kind, publication_format=fmt).delete()


class Migration(migrations.Migration):
    dependencies = [("civic_calendar", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
