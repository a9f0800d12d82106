"""Writes of notifications, and the hints and emails that follow them.

`notify_transition` runs inside the transaction of the change it tells about (workflows
.services calls it there): the rows are stored with the change or not at all. What leaves
the database, the websocket hint and the email, is registered with
`transaction.on_commit`, so nobody hears of a change that was rolled back; a failure
there is logged and never reaches the person who made the change.
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, router, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import taskqueue
from core.asyncbridge import run_coroutine
from core.prepared import PreparedQuery
from core.wording import quote
from organization.selectors import municipality_name
from workflows import lifecycle, policy
from workflows.exceptions import InvalidInput
from workflows.models import (
    OPEN_STATES,
    MaterialRequest,
)
from workflows.policies import can_view

from . import selectors, tasks
from .asks import ASKS, open_step, steps_done_by
from .models import MESSAGE_MAX, URL_MAX, Kind, Notification, NotificationPreference, default_email_kinds
from .payloads import fanout_message, live_message, notification_payload, request_state_payload

logger = logging.getLogger("notifications")

MARK_READ_MAX_IDS = 500
REMINDER_DAYS = 2


def user_group(user_pk: int) -> str:
    """The one channel-layer group a person's sockets join (ASCII, short)."""
    return f"user-{int(user_pk)}"


# The group each worker process with open sockets joins once, through which the pushes of
# changes reach it (see deliver). Never joined by a socket.
FANOUT_GROUP = "live-fanout"


# --- who hears of a transition ---------------------------------------------------------------

# Who hears of each change and in which words: the lifecycle specification's `notify`
# and `message` (workflows.lifecycle), in order of precedence: a person in two audiences
# gets the first kind. An office audience is the people who may take the next action
# (workflows.policy.holders), narrowed to who may see the request now.
PLANS = {row.code: [(notice.audience, notice.kind) for notice in row.notify] for row in lifecycle.TRANSITIONS}
OFFICE_AUDIENCES = lifecycle.OFFICE_AUDIENCES


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def request_words(material_request: MaterialRequest) -> str:
    return f"{material_request.reference} {quote(material_request.title)}"


def _message(action: str, kind: str, actor, material_request: MaterialRequest) -> str:
    row = lifecycle.TRANSITIONS_BY_CODE.get(action)
    variants = row.message_variants if row is not None else {}
    template = (
        variants.get(kind)
        or variants.get(material_request.kind)
        or (row.message if row is not None else None)
        or gettext_lazy("%(actor)s cambió la solicitud %(request)s.")
    )
    who = display_name(actor) if actor is not None else _("El sistema")
    return str(template) % {"actor": who, "request": request_words(material_request)}


class Audience(policy.Standing):
    """The people around one request, as notifications name them (workflows.policy's
    Standing: the same reads, the same rules)."""

    @classmethod
    def of(cls, material_request: MaterialRequest, *, names=None) -> "Audience":
        """`names`: the audiences the caller will ask for (None: any); the unit's members
        are read only when one of them needs them."""
        return super().of(material_request, unit_members=names is None or "requesters" in names)

    def named(self, name: str) -> set[int]:
        """An audience by name, always narrowed to who may see the request now."""
        if name in OFFICE_AUDIENCES:
            people = policy.holders(OFFICE_AUDIENCES[name], self.material_request, self)
        elif name == "author":
            people = {self.material_request.author_id}
        elif name == "requesters":
            people = {self.material_request.author_id} | self.unit_members | self.share_people
        elif name == "viewers":
            people = self.viewers
        else:  # pragma: no cover - the specification names only the audiences above
            raise ValueError(name)
        return people & self.viewers


# --- storing and delivering -----------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """A change completed the tasks of `steps` on a request at `at`: the notifications
    about it that asked for them, created before, are done from now on (derived from the
    change's decision, notifications.asks.done; nothing is written on them)."""

    request_id: int
    steps: tuple[str, ...]
    at: datetime

    def payload(self) -> dict:
        """What the open pages of the people asked hear (their unread count is added after
        commit, by `deliver`): static/js/live.js marks the rows of that request and those
        steps created before `at` "Atendida", as the server renders them."""
        return {
            "type": "resolved",
            "request": self.request_id,
            "steps": list(self.steps),
            "at": timezone.localtime(self.at).isoformat(),
        }


@dataclass(frozen=True)
class Outgoing:
    """What leaves after commit, as plain data: what each person's open pages are told
    (user id -> payloads, in order: see `deliver`), the tasks the change completed (whose
    people are found by the after-commit count) and the emails."""

    live: dict[int, list[dict]]
    emails: list[dict]
    resolution: Resolution | None = None


def _email_for(notification: Notification, kind_label: str, site: str) -> dict:
    base = getattr(settings, "NOTIFICATIONS_SITE_URL", "").rstrip("/")
    subject = f"{kind_label}: {notification.request.reference}" if notification.request_id else kind_label
    body = render_to_string(
        "notifications/email.txt",
        {
            "message": notification.message,
            "link": f"{base}{notification.url}" if notification.url else "",
            "preferences_link": f"{base}{reverse('notifications:preferences')}",
            "site": site,
        },
    )
    return {"subject": subject[:200], "body": body, "to": [notification.recipient.email]}


def store_notifications(
    *,
    recipients: dict,
    actor=None,
    material_request: MaterialRequest | None = None,
    messages: dict,
    dedupe_key: str = "",
    also_live: Iterable[tuple[int, dict]] = (),
    url: str = "",
    steps: dict | None = None,
    completes: Iterable[str] = (),
) -> list[Notification]:
    """Store one notification per recipient and register their delivery after commit.

    `recipients`: user -> kind (people the caller has checked may see what it is about);
    `messages`: kind -> text; `url`: where it leads when it is about no request (by
    default, the request's page); `also_live`: (user id, payload) pairs for the live
    pages besides the notifications (a request's new state); `steps`: user -> the
    lifecycle step their notification asks them to do (see `asks.asked_step`; absent: it only
    informs; None: a "task assigned" about a request asks for its open step);
    `completes`: the steps whose task the change completed on the request (the people
    their notifications asked hear after commit that those are done). Must run inside the
    caller's transaction (the change the notifications tell about)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notifications must be stored inside the transaction of the change they tell about")
    if material_request is not None and not url:
        url = reverse("workflows:request_detail", args=[material_request.pk])
    if steps is None and material_request is not None and Kind.TASK_ASSIGNED in recipients.values():
        implied = open_step(material_request)
        steps = {user: implied for user, kind in recipients.items() if kind == Kind.TASK_ASSIGNED}
    now = timezone.now()
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            request=material_request,
            actor=actor if actor is not None and actor.is_authenticated else None,
            message=messages[kind][:MESSAGE_MAX],
            url=url[:URL_MAX],
            created_at=now,
            dedupe_key=dedupe_key,
            step=(steps or {}).get(user, ""),
        )
        for user, kind in recipients.items()
    ]
    if rows:
        Notification.objects.bulk_create(rows)
    # What the open pages are told, composed here in one go from the rows themselves:
    # after commit the consumer forwards it without reading anything back.
    live: dict[int, list[dict]] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            live.setdefault(row.recipient_id, []).append({"type": "notification", **notification_payload(row)})
    for user_id, payload in also_live:
        live.setdefault(user_id, []).append(payload)
    emails = []
    wanting_email = [row for row in rows if row.recipient.email]
    if wanting_email:
        chosen = dict(
            NotificationPreference.objects.filter(user_id__in=[row.recipient_id for row in wanting_email]).values_list(
                "user_id", "email_kinds"
            )
        )
        site = municipality_name()
        with translation.override(settings.LANGUAGE_CODE):
            for row in wanting_email:
                if row.kind in chosen.get(row.recipient_id, default_email_kinds()):
                    emails.append(_email_for(row, str(Kind(row.kind).label), site))
    completes = tuple(sorted(set(completes)))
    resolution = Resolution(material_request.pk, completes, now) if completes and material_request is not None else None
    _after_commit(Outgoing(live, emails, resolution))
    return rows


def _after_commit(outgoing: Outgoing) -> None:
    if outgoing.live or outgoing.resolution:
        transaction.on_commit(lambda: deliver(outgoing.live, outgoing.resolution), robust=True)
    if outgoing.emails:
        transaction.on_commit(lambda: schedule_emails(outgoing.emails), robust=True)


def unread_counts(user_ids) -> dict[int, int]:
    """How many unread notifications (neither read nor done) each person has: one grouped
    query, whatever the number of people (the bell's count, on their own rows)."""
    user_ids = list(user_ids)
    counts = dict.fromkeys(user_ids, 0)
    counts.update(_UNREAD_COUNTS(user_ids, using=router.db_for_read(Notification)))
    return counts


# After every change that notifies: compiled once per number of people (core.prepared).
_UNREAD_COUNTS = PreparedQuery(
    lambda user_ids: (
        selectors.unread(Notification.objects.filter(recipient_id__in=user_ids))
        .order_by()
        .values_list("recipient_id")
        .annotate(unread=Count("pk"))
    ),
    list,
)


def unread_counts_and_asked(user_ids, resolution: Resolution) -> tuple[dict[int, int], set[int]]:
    """The unread counts of `user_ids` and of everyone a notification of whom about the
    resolution's request asked for one of its steps (the people whose count this change
    made fall, among whoever was ever asked for those steps there), zero included, and who
    those asked are: the SAME one statement as `unread_counts`, extended, not a second."""
    user_ids = list(user_ids)
    prepared = _COUNTS_AND_ASKED.get(resolution.steps) or _counts_and_asked(resolution.steps)
    rows = prepared(user_ids, resolution.request_id, using=router.db_for_read(Notification))
    counts = dict.fromkeys(user_ids, 0)
    counts.update((user_id, unread) for user_id, unread, _asked in rows)
    return counts, {user_id for user_id, _unread, asked in rows if asked}


def _counts_and_asked(steps: tuple[str, ...]) -> PreparedQuery:
    def build(user_ids, request_id):
        asked = Notification.objects.filter(request_id=request_id, step__in=steps).values("recipient_id")
        return (
            get_user_model()
            .objects.filter(Q(pk__in=user_ids) | Q(pk__in=asked))
            .order_by()
            .values_list(
                "pk",
                Coalesce(selectors.unread_of(OuterRef("pk")), 0),
                ExpressionWrapper(Q(pk__in=asked), output_field=BooleanField()),
            )
        )

    return PreparedQuery(build, list, int)


# One per set of steps a change can complete (the lifecycle's), each compiled once per
# number of people (core.prepared).
_COUNTS_AND_ASKED = {
    steps: _counts_and_asked(steps)
    for steps in {tuple(sorted(set(steps_done_by(row.code)))) for row in lifecycle.TRANSITIONS}
    if steps
}


def deliver(live: dict[int, list[dict]], resolution: Resolution | None = None) -> None:
    """After commit: tell each person's open pages what was composed for them.

    Everything was decided in the transaction (who, what, and that they may see it);
    only the unread count of those whose count changed is read now, in ONE query for all
    of them: those who got a notification and, when the change completed a task
    (`resolution`), those whose notifications asked for it, who are found by that same
    query and hear that they are done. It all leaves as ONE message to the fan-out group,
    which each worker process holding sockets has joined once
    (notifications.consumers.Fanout) and hands to its own sockets by user: a change seen
    by 500 people is one `group_send`, not 500 (each of which costs a full pass over the
    in-memory layer's groups, or four Redis round trips in the receiving process). Never
    raises: a failure is logged."""
    asked: set[int] = set()
    try:
        counted = [user_id for user_id, payloads in live.items() if any(p["type"] == "notification" for p in payloads)]
        if resolution is not None:
            counts, asked = unread_counts_and_asked(counted, resolution)
        else:
            counts = unread_counts(counted) if counted else {}
    except Exception:
        logger.exception("No se pudo contar las notificaciones sin leer para los avisos en vivo")
        counts = {}  # the pages keep their count until they next read it
    if asked:
        # After the person's new notifications, before the request's new state.
        resolved = resolution.payload()
        live = dict(live)
        for user_id in sorted(asked):
            payloads = live.get(user_id, [])
            first_other = next((i for i, p in enumerate(payloads) if p["type"] != "notification"), len(payloads))
            live[user_id] = [*payloads[:first_other], resolved, *payloads[first_other:]]
    # The same payload (a request's new state, for everyone) is encoded once; the entry
    # keeps the payload alive, so its id is not reused by another while we look it up.
    encoded: dict[int, tuple[dict, str]] = {}

    def frame(payload: dict) -> str:
        if id(payload) not in encoded:
            encoded[id(payload)] = (payload, json.dumps(payload))
        return encoded[id(payload)][1]

    deliveries: dict[tuple[str, ...], list[int]] = {}  # the frames -> who gets exactly those
    for user_id, payloads in live.items():
        if user_id in counts:
            payloads = [
                {**payload, "unread": counts[user_id]} if payload["type"] in COUNTED else payload
                for payload in payloads
            ]
        deliveries.setdefault(tuple(frame(payload) for payload in payloads), []).append(user_id)
    push([(FANOUT_GROUP, fanout_message(deliveries))])


# The payloads that carry the person's new unread count.
COUNTED = ("notification", "resolved")


# How long a change's pushes may hold the caller (a web request, a worker) if the channel
# layer hangs; they are hints, the pages catch up when they next read.
PUSH_TIMEOUT = 5.0


def push(hints: list[tuple[str, dict]]) -> None:
    """Send messages over the channel layer, one `group_send` each (see
    `send_to_groups`); a failure is logged, never raised."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        run_coroutine(send_to_groups, layer, hints, timeout=PUSH_TIMEOUT)
    except Exception:
        logger.exception("No se pudieron enviar los avisos en vivo")


async def send_to_groups(layer, hints: list[tuple[str, dict]]) -> None:
    for group, message in hints:
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.exception("No se pudo enviar el aviso en vivo al grupo %s", group)


def send_emails(emails: list[dict]) -> None:
    """Send each email on its own over one connection; one failing address does not stop
    the others. Touches no database: everything it needs was composed in the transaction."""
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception:
        logger.exception("No se pudo abrir la conexión de correo")
        return
    try:
        for email in emails:
            try:
                EmailMessage(subject=email["subject"], body=email["body"], to=email["to"], connection=connection).send()
            except Exception:
                logger.exception("No se pudo enviar la notificación por correo a %s", ", ".join(email["to"]))
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("No se pudo cerrar la conexión de correo")


def schedule_emails(emails: list[dict]) -> None:
    """After commit: through the task queue (core/taskqueue.py), so a slow mail server
    never holds the response."""
    try:
        taskqueue.enqueue(tasks.send_emails, emails)
    except Exception:
        logger.exception("No se pudo programar el envío de correos")


# --- transitions ----------------------------------------------------------------------------


def notify_transition(*, actor, material_request: MaterialRequest, action: str, from_state: str) -> list[Notification]:
    """Tell the people concerned that `actor` took `action` on the request (already in its
    new state, its permissions already synced). Runs inside the caller's transaction.

    The new notifications that ask for the next task carry its step. Those that asked for
    the task this change completes are done by its decision, whoever they were addressed
    to: nothing is written on them (notifications.asks.done); after commit, the one count
    query finds their people, whose bells fall (see `deliver`)."""
    recipients: dict[int, str] = {}
    asks: dict[int, str] = {}
    plan = PLANS.get(action)
    if plan is None:
        logger.error("Acción sin plan de notificación: %s (%s)", action, material_request.reference)
        plan = []
    audience = Audience.of(material_request, names={name for name, _kind in plan})
    for name, kind in plan:
        for user_id in audience.named(name):
            if user_id not in recipients:
                recipients[user_id] = kind
                if ASKS.get((action, name)):
                    asks[user_id] = ASKS[(action, name)]
    if actor is not None:
        recipients.pop(actor.pk, None)  # never tell people what they just did themselves
    # Every open page of the request hears of its new state: whoever may see it now, as
    # the permissions of this very transaction say (the actor's other tabs included).
    watchers = audience.viewers
    users = {user_id: audience.users[user_id] for user_id in recipients.keys() | watchers if user_id in audience.users}
    if actor is not None and actor.pk in watchers:
        users.setdefault(actor.pk, actor)
    # Direct grants (shares to a person) and encargados are not among the group members
    # read above: read them in the same one query as any such recipient.
    missing = [user_id for user_id in recipients.keys() | watchers if user_id not in users]
    if missing:
        users.update(get_user_model().objects.in_bulk(missing))
    active = {user_id for user_id, user in users.items() if user.is_active}
    by_user = {users[user_id]: kind for user_id, kind in recipients.items() if user_id in active}
    steps = {users[user_id]: step for user_id, step in asks.items() if user_id in active}
    # The record is Spanish whatever language the actor's browser asked for.
    with translation.override(settings.LANGUAGE_CODE):
        messages = {kind: _message(action, kind, actor, material_request) for kind in set(by_user.values())}
        changed = {"type": "request_changed", **request_state_payload(material_request)}
    watching = sorted(watchers & active)
    return store_notifications(
        recipients=by_user,
        actor=actor,
        material_request=material_request,
        messages=messages,
        also_live=[(user_id, changed) for user_id in watching],
        steps=steps,
        completes=steps_done_by(action),
    )


# --- reading ----------------------------------------------------------------------------------


def _clean_ids(ids) -> list[int]:
    if isinstance(ids, str | bytes | int) or ids is None:
        ids = [ids] if ids not in (None, "") else []
    cleaned = []
    try:
        for value in ids:
            if isinstance(value, bool):
                raise ValueError
            number = int(str(value).strip())
            if number <= 0 or number > 2**63 - 1:
                raise ValueError
            cleaned.append(number)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("Los identificadores de notificación no son válidos.")) from error
    if not cleaned:
        raise InvalidInput(_("Elija al menos una notificación para marcar como leída."))
    if len(cleaned) > MARK_READ_MAX_IDS:
        raise InvalidInput(_("Puede marcar como máximo %(max)d notificaciones a la vez.") % {"max": MARK_READ_MAX_IDS})
    return cleaned


def _unread_changed(user) -> None:
    """After commit, the person's other tabs hear the new count (read once, here)."""

    def tell():
        try:
            payload = {"type": "unread", "unread": unread_counts([user.pk])[user.pk]}
        except Exception:
            logger.exception("No se pudo contar las notificaciones sin leer de %s", user.pk)
            return
        push([(user_group(user.pk), live_message([payload]))])

    transaction.on_commit(tell, robust=True)


def mark_read(user, ids) -> int:
    """Mark the user's own notifications among `ids` read; ids of others are ignored
    (and not revealed). Returns how many changed."""
    cleaned = _clean_ids(ids)
    with transaction.atomic():
        changed = Notification.objects.filter(recipient=user, pk__in=cleaned, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if changed:
            _unread_changed(user)
    return changed


def mark_all_read(user) -> int:
    with transaction.atomic():
        changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
        if changed:
            _unread_changed(user)
    return changed


def update_preferences(user, *, email_kinds) -> NotificationPreference:
    """Which kinds also go by email (to the account's address)."""
    email_kinds = list(email_kinds or [])
    unknown = [str(kind) for kind in email_kinds if kind not in Kind.values]
    if unknown:
        raise InvalidInput(
            _("Tipo de notificación desconocido: %(kinds)s.") % {"kinds": ", ".join(unknown)[:200]},
            field_errors={"email_kinds": [_("Elija solo tipos de la lista.")]},
        )
    ordered = [kind for kind in Kind.values if kind in email_kinds]
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user, defaults={"email_kinds": ordered}
        )
        if preference.email_kinds != ordered:
            preference.email_kinds = ordered
            preference.save(update_fields=["email_kinds", "updated_at"])
    return preference


# --- sockets of people who leave ------------------------------------------------------------


def close_sockets(user_pk: int, reason: str, *, session: str = "") -> None:
    """Ask the person's open sockets to close (logout, deactivation), after commit.
    `session`, a digest of a session key, limits it to the sockets of that session."""
    message = {"type": "force_close", "reason": reason, "session": session}
    transaction.on_commit(lambda: push([(user_group(user_pk), message)]), robust=True)


# --- reminders --------------------------------------------------------------------------------


def _when(day, today) -> str:
    if day == today:
        return _("hoy")
    if day == today + timedelta(days=1):
        return _("mañana")
    return _("el %(date)s") % {"date": formats.date_format(day, "d/m/Y")}


def deadline_reminders(*, today=None) -> int:
    """Remind authors of open requests whose requested date is within REMINDER_DAYS days.
    Once per request and day: running it again the same day sends nothing new."""
    today = today or timezone.localdate()
    candidates = (
        MaterialRequest.objects.filter(
            state__in=OPEN_STATES,
            requested_by__gte=today,
            requested_by__lte=today + timedelta(days=REMINDER_DAYS),
            author__is_active=True,
        )
        .select_related("author")
        .order_by("requested_by", "pk")
    )
    keys = {
        material_request.pk: f"deadline:{material_request.pk}:{today.isoformat()}" for material_request in candidates
    }
    already = set(Notification.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    sent = 0
    for material_request in candidates:
        key = keys[material_request.pk]
        author = material_request.author
        if key in already or not can_view(author, material_request):
            continue
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "La fecha requerida de la solicitud %(request)s es %(when)s y su estado sigue siendo «%(state)s»."
            ) % {
                "request": request_words(material_request),
                "when": _when(material_request.requested_by, today),
                "state": material_request.state_label,
            }
        try:
            with transaction.atomic():
                store_notifications(
                    recipients={author: Kind.DEADLINE},
                    material_request=material_request,
                    messages={Kind.DEADLINE: message},
                    dedupe_key=key,
                )
        except IntegrityError:
            continue  # another run of the same day stored it first
        sent += 1
    return sent
