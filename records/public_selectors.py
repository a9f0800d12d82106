"""Reads for the public pages (no login): published material and its approval chain.

What is public is decided here and nowhere else:

- a request is public once it was published (delivered, installed): state `publicado`,
  or `retirado`, which stays listed as withdrawn with its public reason, so the
  transparency page never silently erases what the municipality once published;
- drafts, requests in review or pending approval, approved but not yet published, and
  cancelled (or rejected) requests never appear;
- the pages get plain records built here (`PublicItem`, `PublicStep`), never the model:
  a template cannot reach the author, the press contact, attachments, comments,
  observations or any other internal field, because it is not in what it receives.

Each function runs a fixed number of queries, whatever the data size.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from documents.models import DocumentVersion, OfficialDocument, Reason
from documents.verification import normalize_code
from organization.models import Unit
from organization.roles import Role
from workflows.models import (
    PUBLISHED_LABELS,
    Channel,
    Kind,
    MaterialRequest,
    PublicationFormat,
    State,
)
from workflows.selectors import request_decisions

PUBLIC_STATES = (State.PUBLISHED, State.WITHDRAWN)
PAGE_SIZE = 25
FEED_SIZE = 50

# COM-2026-00042: a prefix of letters and digits, the year, the number of the year.
REFERENCE_RE = re.compile(r"[A-Z0-9]{1,10}-\d{4}-\d{5,9}")

# The decisions (workflows.Decision) whose date and actor make the public chain.
CHAIN_ACTIONS = ("submit", "forward", "approve", "publish", "urgent_publish", "post_review", "withdraw")
PUBLICATION_REASONS = (Reason.PUBLISH, Reason.URGENT_PUBLISH)

# The columns the list reads: nothing else is loaded, so nothing else can be shown.
LIST_FIELDS = (
    "reference",
    "kind",
    "title",
    "state",
    "publication_date",
    "published_at",
    "unit__name",
    "publication_details__format",
)


def is_valid_reference(reference: str) -> bool:
    return bool(REFERENCE_RE.fullmatch(reference or ""))


def public_requests():
    """Every request the public may see; the one definition the pages and the feed share."""
    return MaterialRequest.objects.filter(state__in=PUBLIC_STATES, published_at__isnull=False)


def kind_label(kind: str, publication_format: str = "") -> str:
    label = str(Kind(kind).label) if kind in Kind.values else kind
    if kind == Kind.PUBLICATION and publication_format in PublicationFormat.values:
        return f"{label} · {PublicationFormat(publication_format).label}"
    return label


def state_label(kind: str, state: str) -> str:
    if state == State.PUBLISHED and kind in Kind.values:
        return str(PUBLISHED_LABELS[Kind(kind)])
    return str(State(state).label)


# --- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    reference: str
    kind: str
    kind_label: str
    unit: str
    title: str
    state: str
    state_label: str
    publication_date: date | None


def _publication_details(material_request):
    if material_request.kind != Kind.PUBLICATION:
        return None
    return getattr(material_request, "publication_details", None)


def _row(material_request) -> PublicRow:
    details = _publication_details(material_request)
    return PublicRow(
        reference=material_request.reference,
        kind=material_request.kind,
        kind_label=kind_label(material_request.kind, details.format if details else ""),
        unit=material_request.unit.name,
        title=material_request.title,
        state=material_request.state,
        state_label=state_label(material_request.kind, material_request.state),
        publication_date=material_request.publication_date,
    )


def public_list(*, kind: str = "", unit_id: int | None = None, year: int | None = None, search: str = ""):
    requests = public_requests().select_related("unit", "publication_details").only(*LIST_FIELDS)
    if kind:
        requests = requests.filter(kind=kind)
    if unit_id:
        requests = requests.filter(unit_id=unit_id)
    if year:
        requests = requests.filter(publication_date__year=year)
    if search:
        requests = requests.filter(Q(reference__icontains=search) | Q(title__icontains=search))
    return requests.order_by("-publication_date", "-published_at", "-pk")


def public_page(queryset, number):
    """One page of the list as public rows (two queries: count and page). A page that
    does not exist is not found: crawlers get no endless copies of the last page."""
    paginator = Paginator(queryset, PAGE_SIZE)
    try:
        page = paginator.page(number or 1)
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404(_("Esa página no existe.")) from error
    page.object_list = [_row(item) for item in page.object_list]
    return page


def unit_choices() -> list[tuple[int, str]]:
    """The units that have published something (one query)."""
    return list(
        Unit.objects.filter(requests__state__in=PUBLIC_STATES, requests__published_at__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )


def year_choices() -> list[int]:
    """The years with publications, newest first (one query)."""
    return [moment.year for moment in public_requests().dates("publication_date", "year", order="DESC")]


# --- one item -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    """One step of the approval chain as the public reads it: what happened, in which
    role, when, and (when the municipality shows them) the official's name."""

    code: str
    label: str
    role: str
    at: datetime | date | None
    name: str = ""
    note: str = ""


@dataclass(frozen=True)
class PublishedVersion:
    pk: int
    number: int
    created_at: datetime
    snapshot_sha256: str
    docx_sha256: str  # "" until the DOCX is first rendered
    code: str = ""  # its verification code, once its official document exists
    pdf_sha256: str = ""  # "" until its signed PDF is ready


@dataclass
class PublicItem:
    pk: int
    reference: str
    kind: str
    kind_label: str
    unit: str
    title: str
    summary: str
    body: str
    details: list[tuple[str, str]]
    state: str
    state_label: str
    withdrawn: bool
    withdrawal_reason: str
    submitted_at: datetime | None
    approved_at: datetime | None
    published_at: datetime | None
    publication_date: date | None
    publication_channel: str
    publication_url: str
    urgent: bool
    urgent_reviewed: bool
    updated_at: datetime
    chain: list[PublicStep] = field(default_factory=list)
    version: PublishedVersion | None = None


def _channels(values) -> str:
    labels = dict(Channel.choices)
    return ", ".join(str(labels.get(item, item)) for item in values or [])


def _public_details(material_request) -> list[tuple[str, str]]:
    """The kind-specific facts that went out with the material. Left out on purpose: the
    press contact (a person's phone or e-mail), a speech's key messages (a briefing),
    a campaign's budget request and any internal location detail."""
    detail = material_request.details
    if detail is None:
        return []
    kind = material_request.kind
    if kind == Kind.PUBLICATION:
        rows = [(_("Formato"), detail.get_format_display()), (_("Canales"), _channels(detail.channels))]
        if detail.lead:
            rows.append((_("Entradilla"), detail.lead))
        return rows
    if kind == Kind.CAMPAIGN:
        return [
            (_("Tipo de campaña"), detail.get_campaign_type_display()),
            (_("Objetivo"), detail.objective),
            (_("Público objetivo"), detail.audience),
            (_("Canales"), _channels(detail.channels)),
            (_("Vigencia"), _("del %(start)s al %(end)s") % _dates(detail.start_date, detail.end_date)),
        ]
    if kind == Kind.SPEECH:
        return [(_("Evento"), detail.event_name), (_("Lugar"), detail.place), (_("Orador"), detail.speaker)]
    if kind == Kind.SIGNAGE:
        return [
            (_("Local"), detail.premises),
            (_("Dirección"), detail.address),
            (_("Tipo de señal"), detail.get_sign_type_display()),
            (_("Texto de la señal"), detail.sign_text),
        ]
    return []


def _web_link(url: str) -> str:
    """The publication's link, only as an ordinary web address (the service already
    refuses anything else; a page for everybody does not rely on that alone)."""
    return url if (url or "").lower().startswith(("https://", "http://")) else ""


def _dates(start, end) -> dict:
    return {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}


def _name(user) -> str:
    """An official's full name, only where the municipality shows names; never a login
    name (a username helps nobody but someone guessing passwords)."""
    if user is None or not settings.PUBLIC_SHOW_OFFICIAL_NAMES:
        return ""
    return user.get_full_name().strip()


def _office_roles(user_ids) -> dict[int, set[str]]:
    """The communications-office roles of a few people, in one query."""
    ids = sorted({pk for pk in user_ids if pk})
    if not ids:
        return {}
    through = get_user_model().groups.through
    roles: dict[int, set[str]] = {}
    rows = through.objects.filter(
        user_id__in=ids, group__name__in=[Role.GERENTE, Role.REVISOR, Role.PUBLICADOR]
    ).values_list("user_id", "group__name")
    for user_id, name in rows:
        roles.setdefault(user_id, set()).add(name)
    return roles


def _role_among(roles: set[str], candidates) -> str:
    for role in candidates:
        if role in roles:
            return str(role.label)
    return _("Gerencia de Comunicaciones")


def _chain(material_request, decisions) -> list[PublicStep]:
    """The approval chain from the request's decisions: for each step, the newest decision
    (a step redone after an observation or a return shows its last time; the earlier
    ones stay in the internal record)."""
    last = {decision.action: decision for decision in decisions}  # oldest first: the last one wins
    steps = []

    submit = last.get("submit")
    steps.append(
        PublicStep(
            "submit",
            _("Presentada a la Oficina de Comunicaciones"),
            _("Unidad solicitante: %(unit)s") % {"unit": material_request.unit.name},
            submit.created_at if submit else None,
        )
    )

    forward = last.get("forward")
    if forward is not None:
        steps.append(
            PublicStep(
                "forward",
                _("Revisada y derivada a aprobación"),
                str(Role.REVISOR.label),
                forward.created_at,
                _name(forward.actor),
            )
        )

    urgent = last.get("urgent_publish")
    if urgent is not None:
        steps.append(
            PublicStep(
                "urgent_publish",
                _("Aprobada y publicada por la vía urgente"),
                str(Role.GERENTE.label),
                urgent.created_at,
                _name(urgent.actor),
                _("Mensaje de emergencia o prevención: la revisión se hace después de publicar."),
            )
        )
    else:
        approve = last.get("approve")
        delegated = approve.acting_for if approve else None
        steps.append(
            PublicStep(
                "approve",
                _("Aprobada"),
                _("Encargado de la aprobación") if delegated else str(Role.GERENTE.label),
                approve.created_at if approve else None,
                _name(approve.actor if approve else None),
                (
                    _("Por encargo del %(role)s %(name)s")
                    % {"role": str(Role.GERENTE.label).lower(), "name": _name(delegated)}
                ).strip()
                if delegated
                else "",
            )
        )
        publish = last.get("publish")
        steps.append(
            PublicStep(
                "publish",
                state_label(material_request.kind, State.PUBLISHED),
                str(Role.PUBLICADOR.label),
                publish.created_at if publish else None,
                _name(publish.actor if publish else None),
                _("Registrada automáticamente en la fecha programada.") if publish and publish.by_system else "",
            )
        )

    review, withdraw = last.get("post_review"), last.get("withdraw")
    roles = _office_roles([review.actor_id if review else None, withdraw.actor_id if withdraw else None])
    if urgent is not None:
        steps.append(
            PublicStep(
                "post_review",
                _("Revisión posterior conforme") if review else _("Revisión posterior pendiente"),
                _role_among(roles.get(review.actor_id, set()), (Role.GERENTE, Role.REVISOR))
                if review
                else str(Role.REVISOR.label),
                review.created_at if review else None,
                _name(review.actor if review else None),
            )
        )

    if material_request.state == State.WITHDRAWN:
        steps.append(
            PublicStep(
                "withdraw",
                _("Retirada"),
                _role_among(roles.get(withdraw.actor_id, set()), (Role.GERENTE, Role.PUBLICADOR))
                if withdraw
                else _("Gerencia de Comunicaciones"),
                withdraw.created_at if withdraw else None,
                _name(withdraw.actor if withdraw else None),
                material_request.withdrawal_reason,
            )
        )
    return steps


def _published_version(material_request) -> PublishedVersion | None:
    """The version frozen when the material was published (one query)."""
    version = (
        DocumentVersion.objects.filter(request=material_request, reason__in=PUBLICATION_REASONS)
        .select_related("rendered", "official")
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    rendered = getattr(version, "rendered", None)
    record = getattr(version, "official", None)
    return PublishedVersion(
        version.pk,
        version.number,
        version.created_at,
        version.snapshot_sha256,
        rendered.sha256 if rendered else "",
        record.code if record else "",
        record.sha256 if record is not None and record.is_ready else "",
    )


def get_public_item(reference: str) -> PublicItem:
    """The public record of one published request (four queries at most: the request,
    its decisions, the roles of whoever withdrew or reviewed it afterwards, and its
    published version). Anything not public answers exactly like a missing one."""
    if not is_valid_reference(reference):
        raise Http404(_("No existe ese material publicado."))
    try:
        material_request = (
            public_requests()
            .select_related(
                "unit",
                "publication_details",
                "campaign_details",
                "speech_details",
                "signage_details",
            )
            .get(reference=reference)
        )
    except MaterialRequest.DoesNotExist as error:
        raise Http404(_("No existe ese material publicado.")) from error
    decisions = list(request_decisions(material_request, CHAIN_ACTIONS))
    # The newest approval (ordinary or urgent) and submission, as the decisions record them.
    dated = {decision.action: decision.created_at for decision in decisions}
    # The body is the text that went out: a press release, a delivered speech. For a
    # campaign or a sign, the request's body is a working description: the summary
    # and the public facts say what went out.
    shows_body = material_request.kind in (Kind.PUBLICATION, Kind.SPEECH)
    details = _publication_details(material_request)
    return PublicItem(
        pk=material_request.pk,
        reference=material_request.reference,
        kind=material_request.kind,
        kind_label=kind_label(material_request.kind, details.format if details else ""),
        unit=material_request.unit.name,
        title=material_request.title,
        summary=material_request.summary,
        body=material_request.body if shows_body else "",
        details=_public_details(material_request),
        state=material_request.state,
        state_label=state_label(material_request.kind, material_request.state),
        withdrawn=material_request.state == State.WITHDRAWN,
        withdrawal_reason=material_request.withdrawal_reason if material_request.state == State.WITHDRAWN else "",
        submitted_at=dated.get("submit"),
        approved_at=dated.get("urgent_publish") or dated.get("approve"),
        published_at=material_request.published_at,
        publication_date=material_request.publication_date,
        publication_channel=material_request.publication_channel,
        publication_url=_web_link(material_request.publication_url),
        urgent=material_request.urgent,
        urgent_reviewed=material_request.urgent_reviewed_at is not None,
        updated_at=material_request.updated_at,
        chain=_chain(material_request, decisions),
        version=_published_version(material_request),
    )


# --- an official document, by its verification code -------------------------------------------


@dataclass(frozen=True)
class PublicDocument:
    """What the verification page may say about a code: the published version it names,
    its signed PDF (when ready) and the public record of its request."""

    code: str
    version_pk: int
    version_number: int
    version_created_at: datetime
    snapshot_sha256: str
    pdf_ready: bool
    pdf_sha256: str
    pdf_size: int
    pdfa: str
    signer: str
    signed_at: datetime | None
    item: PublicItem


def public_official_documents():
    """The official documents the public may know of: the versions frozen at publication of
    what is public. An approved version, and anything never published, is not among them."""
    return OfficialDocument.objects.filter(
        version__reason__in=PUBLICATION_REASONS,
        version__request__state__in=PUBLIC_STATES,
        version__request__published_at__isnull=False,
    )


def get_public_document(code: str) -> PublicDocument:
    """The published document a code names (one query, then the item's four). Unknown
    codes and codes of versions never published answer the same 404."""
    canonical = normalize_code(code)
    record = (
        public_official_documents().select_related("version__request").filter(code=canonical).first()
        if canonical
        else None
    )
    if record is None:
        raise Http404(_("Ese código no corresponde a ningún documento publicado."))
    version = record.version
    return PublicDocument(
        code=record.code,
        version_pk=version.pk,
        version_number=version.number,
        version_created_at=version.created_at,
        snapshot_sha256=version.snapshot_sha256,
        pdf_ready=record.is_ready,
        pdf_sha256=record.sha256 if record.is_ready else "",
        pdf_size=record.size,
        pdfa=record.pdfa,
        signer=record.signer,
        signed_at=record.signed_at,
        item=get_public_item(version.request.reference),
    )


def public_document_by_pdf_hash(sha256: str) -> str:
    """The code of the published document whose signed PDF has this hash, or "" (an upload
    that is another of the municipality's documents is told which one)."""
    if not sha256:
        return ""
    return (
        public_official_documents()
        .filter(sha256=sha256, status=OfficialDocument.Status.DONE)
        .values_list("code", flat=True)
        .first()
        or ""
    )


# --- the feed -----------------------------------------------------------------------------


def press_releases(limit: int | None = None):
    """Published press releases, newest first (one query). Withdrawn ones stay, marked:
    a feed reader that already has the entry learns of the withdrawal by its update."""
    return list(
        public_requests()
        .filter(kind=Kind.PUBLICATION, publication_details__format=PublicationFormat.PRESS_RELEASE)
        .select_related("unit", "publication_details")
        .only(*LIST_FIELDS, "summary", "updated_at", "withdrawal_reason", "publication_details__lead")
        .order_by("-published_at", "-pk")[: limit or FEED_SIZE]
    )
