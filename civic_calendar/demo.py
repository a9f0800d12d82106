"""Demo data for the civic calendar, called by `manage.py seed_demo` after the requests
exist. Built through the services (each event audited), found before it is made (a
second run creates nothing), dates relative to today.

- The civic dates of Pueblo Libre (Lima) for this year and the next: the district's
  anniversary (10 April, by the council's Acuerdo of 2015, for the name San Martín gave it),
  Día de la Madre (second Sunday of May), Día de la Bandera (7 June), Fiestas Patrias
  (28-29 July) and Navidad; and campaign seasons: the property tax's first instalment,
  the tax amnesty season and the Christmas campaign.
- Official events next month, with their needs: a ceremony that needs a speech and a
  press release (Desarrollo Social has no head, so its needs stay without a request:
  "not yet submitted", late once their date passes), an awareness campaign, and a press
  conference of Rentas whose needs the gerente spawned (drafts in the head's name).
- Two events tied to demo requests that already exist: the inauguration of the Parque
  Los Próceres (its speech, in review) and the punctual-taxpayer award (its speech,
  approved; its press release spawned).
"""

import uuid
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from workflows.management.commands.seed_demo import TOKEN_NAMESPACE
from workflows.models import Kind, MaterialRequest, PublicationFormat

from . import services
from .models import CalendarEvent, Category, EventNeed

SPEECH = (Kind.SPEECH.value, "")
PRESS_RELEASE = (Kind.PUBLICATION.value, PublicationFormat.PRESS_RELEASE.value)
SOCIAL_POST = (Kind.PUBLICATION.value, PublicationFormat.SOCIAL_POST.value)
CAMPAIGN = (Kind.CAMPAIGN.value, "")
SIGNAGE = (Kind.SIGNAGE.value, "")

PLAZA = "Plaza Bolívar de Pueblo Libre"
PALACIO = "Palacio Municipal, Av. General Vivanco 859"


def _uid(key: str) -> uuid.UUID:
    return uuid.uuid5(TOKEN_NAMESPACE, f"calendario:{key}")


def second_sunday_of_may(year: int) -> date:
    first = date(year, 5, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def civic_dates(year: int) -> list[dict]:
    return [
        {
            "title": "Aniversario del distrito de Pueblo Libre",
            "category": Category.CIVIC_DATE,
            "start_date": date(year, 4, 10),
            "description": "Aniversario del nombre de Pueblo Libre que el Libertador San Martín dio al distrito "
            "(Acuerdo de Concejo de 2015). Sesión solemne, izamiento y desfile cívico.",
            "place": PLAZA,
        },
        {
            "title": "Día de la Madre",
            "category": Category.CIVIC_DATE,
            "start_date": second_sunday_of_may(year),
            "place": "",
        },
        {
            "title": "Día de la Bandera",
            "category": Category.CIVIC_DATE,
            "start_date": date(year, 6, 7),
            "description": "Aniversario de la Batalla de Arica y jura de la bandera.",
            "place": PLAZA,
        },
        {
            "title": "Fiestas Patrias",
            "category": Category.CIVIC_DATE,
            "start_date": date(year, 7, 28),
            "end_date": date(year, 7, 29),
            "description": "Izamiento del pabellón nacional y desfile cívico escolar.",
            "place": PLAZA,
        },
        {"title": "Navidad", "category": Category.CIVIC_DATE, "start_date": date(year, 12, 25), "place": ""},
    ]


def seasons(year: int, units) -> list[dict]:
    return [
        {
            "title": "Campaña de pago de la primera cuota del impuesto predial",
            "category": Category.CAMPAIGN_SEASON,
            "start_date": date(year, 2, 1),
            "end_date": date(year, 2, 28),
            "unit": units["rentas"],
        },
        {
            "title": "Temporada de amnistía tributaria",
            "category": Category.CAMPAIGN_SEASON,
            "start_date": date(year, 10, 1),
            "end_date": date(year, 11, 30),
            "description": "Condonación de intereses y multas por deudas tributarias vencidas.",
            "unit": units["rentas"],
        },
        {
            "title": "Campaña navideña «Navidad en familia»",
            "category": Category.CAMPAIGN_SEASON,
            "start_date": date(year, 12, 1),
            "end_date": date(year, 12, 24),
            "unit": units["desarrollo-social"],
        },
    ]


def _at(day: date, hour: int, minute: int = 0) -> dict:
    return {"all_day": False, "start_date": day, "end_date": day, "start_time": time(hour, minute)}


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _ensure(gerente, key: str, data: dict, needs=(), then=None) -> int:
    """Create the event unless it exists, and then (in the same transaction) link or
    spawn its requests; returns 1 if it created it."""
    uid = _uid(key)
    if CalendarEvent.objects.filter(uid=uid).exists():
        return 0
    data = {"description": "", "place": "", "unit": None, "internal": False, "all_day": True, **data}
    data.setdefault("end_date", data["start_date"])
    with transaction.atomic():
        event = services.create_event(gerente, data=data, needs=needs, client_token=uid)
        if then is not None:
            then(event)
    return 1


def _demo_request(title: str) -> MaterialRequest | None:
    return MaterialRequest.objects.filter(client_token=uuid.uuid5(TOKEN_NAMESPACE, title)).first()


def _link(gerente, event: CalendarEvent, kind: str, material_request) -> None:
    if material_request is None:
        return
    need = event.needs.filter(kind=kind, request__isnull=True).order_by("pk").first()
    if need is not None and not EventNeed.objects.filter(request=material_request).exists():
        services.link_request(gerente, need, material_request)


def seed(users) -> int:
    """Idempotent; `users` maps demo usernames to users (and "_units" to the units).
    Returns how many events it created."""
    gerente, units = users["gerente"], users["_units"]
    today = timezone.localdate()
    created = 0
    for year in (today.year, today.year + 1):
        for data in civic_dates(year) + seasons(year, units):
            created += _ensure(gerente, f"{data['title']}:{year}", data)

    def spawn(event):
        services.spawn_requests(gerente, event, confirm_overdue=True)

    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    # A ceremony early next month: speech and press release, no request yet.
    created += _ensure(
        gerente,
        "ceremonia-vecinos-destacados",
        {
            "title": "Ceremonia de reconocimiento a los vecinos destacados",
            "category": Category.CEREMONY,
            **_at(_weekday_on_or_after(next_month + timedelta(days=1)), 10),
            "end_time": time(12, 0),
            "place": "Salón de actos del Palacio Municipal",
            "unit": units["desarrollo-social"],
            "description": "El alcalde entrega reconocimientos a dirigentes vecinales y de comedores populares.",
        },
        needs=[SPEECH, PRESS_RELEASE],
    )
    created += _ensure(
        gerente,
        "campana-vecino-responsable",
        {
            "title": "Campaña «Vecino responsable»: tenencia de mascotas",
            "category": Category.CAMPAIGN_SEASON,
            "start_date": next_month + timedelta(days=4),
            "end_date": next_month + timedelta(days=24),
            "unit": units["desarrollo-social"],
        },
        needs=[CAMPAIGN, SOCIAL_POST],
    )
    # A press conference of Rentas (which has a head): the gerente spawned its requests.
    created += _ensure(
        gerente,
        "conferencia-balance-rentas",
        {
            "title": "Conferencia de prensa: balance de la recaudación del año",
            "category": Category.PRESS_CONFERENCE,
            **_at(_weekday_on_or_after(next_month + timedelta(days=9)), 9, 30),
            "place": PALACIO,
            "unit": units["rentas"],
        },
        needs=[PRESS_RELEASE, SOCIAL_POST],
        then=spawn,
    )
    # Tied to the demo requests that already exist: their speeches are linked.
    created += _ensure(
        gerente,
        "inauguracion-parque-los-proceres",
        {
            "title": "Inauguración del Parque Los Próceres",
            "category": Category.MAYOR_AGENDA,
            **_at(today + timedelta(days=14), 10),
            "place": "Parque Los Próceres, cuadra 5 de Av. Bolívar",
            "unit": units["obras"],
        },
        needs=[SPEECH, PRESS_RELEASE, SIGNAGE],
        then=lambda event: _link(gerente, event, Kind.SPEECH, _demo_request("Inauguración del Parque Los Próceres")),
    )

    def link_and_spawn(event):
        _link(gerente, event, Kind.SPEECH, _demo_request("Ceremonia de premiación al vecino puntual"))
        spawn(event)

    created += _ensure(
        gerente,
        "premiacion-vecino-puntual",
        {
            "title": "Ceremonia de premiación al vecino puntual",
            "category": Category.CEREMONY,
            **_at(today + timedelta(days=18), 11),
            "place": "Salón de actos",
            "unit": units["rentas"],
        },
        needs=[SPEECH, PRESS_RELEASE],
        then=link_and_spawn,
    )
    # A reserved item of the mayor's agenda: only the office and Obras see it.
    created += _ensure(
        gerente,
        "reunion-reservada-obras",
        {
            "title": "Reunión de coordinación con el contratista de la Av. Brasil",
            "category": Category.MAYOR_AGENDA,
            **_at(_weekday_on_or_after(next_month + timedelta(days=6)), 16),
            "place": "Despacho de Alcaldía",
            "unit": units["obras"],
            "internal": True,
        },
    )
    return created
