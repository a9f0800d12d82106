"""The permission matrix: every URL of the project, every demo role, every state.

Generated from the URL configuration: a pattern that takes an object id must have an
entry in OBJECT_URLS, every other pattern one in PLAIN_URLS, so a new URL cannot escape
the matrix. The expected answers come from an oracle written here from the design
(../shared/DESIGN.md), never from workflows.policies or workflows.permissions:

- 302 to the login page for an anonymous visitor;
- 404 for what a user may not see (the answer must not reveal that it exists);
- 409 for an action the request's state does not allow (to someone who may see it);
- 403 for an action on something they may see but not do;
- 302 (to a page of the site) or 200 when they may.

The dataset is built once for the module, through the services, inside a transaction
that is rolled back at the end; every POST runs in a savepoint that is rolled back too,
so one cell of the matrix never changes the next one.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max, Subquery
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from docx import Document

from audit.models import AuditEvent
from documents.models import DocumentVersion
from documents.services import record_version
from organization.models import Delegation
from organization.roles import Role
from organization.services import create_delegation, ensure_unit, ensure_user
from tests.factories import PASSWORD, STEP_ACTORS, build_organization, create_request, step_kwargs
from workflows import policies, services
from workflows.models import Attachment, MaterialRequest, Share, State

pytestmark = pytest.mark.django_db

LOGIN_URL = "/ingresar/"
LOGIN = "302→login"  # what an anonymous visitor must get on every protected page

ANONYMOUS = "anonymous"
SOLICITANTE, JEFE = Role.SOLICITANTE.value, Role.JEFE_UNIDAD.value
REVISOR, GERENTE, PUBLICADOR = Role.REVISOR.value, Role.GERENTE.value, Role.PUBLICADOR.value
TRANSPARENCIA, AUDITOR = Role.TRANSPARENCIA.value, Role.AUDITOR.value

DRAFT, IN_REVIEW, PENDING = State.DRAFT.value, State.IN_REVIEW.value, State.PENDING_APPROVAL.value
APPROVED, PUBLISHED, CANCELLED, WITHDRAWN = (
    State.APPROVED.value,
    State.PUBLISHED.value,
    State.CANCELLED.value,
    State.WITHDRAWN.value,
)


# --- who is who (independent of the app's policies) ---------------------------------------


@dataclass(frozen=True)
class Person:
    units: frozenset = frozenset()
    roles: frozenset = frozenset()
    head_of: frozenset = frozenset()
    superuser: bool = False


def person(units=(), roles=(), head_of=(), superuser=False):
    return Person(frozenset(units), frozenset(roles), frozenset(head_of), superuser)


PEOPLE = {
    ANONYMOUS: None,
    "rentas1": person(units=["rentas"], roles=[SOLICITANTE]),
    "rentas2": person(units=["rentas"], roles=[SOLICITANTE]),
    "jefe_rentas": person(units=["rentas"], roles=[JEFE, SOLICITANTE], head_of=["rentas"]),
    "social1": person(units=["social"], roles=[SOLICITANTE]),
    "obras1": person(units=["obras"], roles=[SOLICITANTE]),
    "revisor1": person(roles=[REVISOR]),
    "revisor2": person(roles=[REVISOR]),
    "gerente": person(roles=[GERENTE]),
    "publicador": person(roles=[PUBLICADOR]),
    "transparencia": person(roles=[TRANSPARENCIA]),
    "auditor": person(roles=[AUDITOR]),
    "nobody": person(),
    "admin": person(superuser=True),
}


# --- the objects: a request of each unit in each state ------------------------------------


@dataclass(frozen=True)
class Obj:
    key: str
    unit: str | None  # None: an id that does not exist
    author: str | None
    state: str | None
    steps: tuple = ()

    @property
    def submitted(self) -> bool:
        return "submit" in self.steps

    @property
    def authors(self) -> set:
        """The author and whoever co-wrote it: a share, even revoked later, and an edit of
        the draft (a `coauthor:<who>` step)."""
        return {self.author} | {step.split(":")[1] for step in self.steps if step.startswith("coauthor:")}

    @property
    def reviewers(self) -> set:
        """Who forwarded or observed it, or edited it once submitted (an `edit:<who>` step):
        whatever their role or encargatura, never who approves or publishes it."""
        people = {STEP_ACTORS[step] for step in self.steps if step in ("forward", "observe")}
        return people | {step.split(":")[1] for step in self.steps if step.startswith("edit:")}


# The path from a fresh draft (with one attachment) to each case, and the state it ends in.
SCENARIOS = {
    "borrador": (DRAFT, ()),
    "en_revision": (IN_REVIEW, ("submit",)),
    "pendiente_aprobacion": (PENDING, ("submit", "forward")),
    "aprobado": (APPROVED, ("submit", "forward", "approve")),
    "publicado": (PUBLISHED, ("submit", "forward", "approve", "publish")),
    "anulado": (CANCELLED, ("cancel",)),
    "retirado": (WITHDRAWN, ("submit", "forward", "approve", "publish", "withdraw")),
    # Observed back to the unit: a draft again, but the office has seen it.
    "borrador_observado": (DRAFT, ("submit", "observe")),
    # Cancelled by the unit after it was submitted.
    "anulado_tras_envio": (CANCELLED, ("submit", "cancel")),
    # Separation of duties from history: the unit head shared the draft with revisor1
    # and the gerente, each edited it, the shares were revoked; then it was submitted.
    "en_revision_coautores_revocados": (IN_REVIEW, ("coauthor:revisor1", "coauthor:gerente", "submit")),
    # The gerente edited the text waiting for their approval: someone else must approve.
    "pendiente_editado_por_gerente": (PENDING, ("submit", "forward", "edit:gerente")),
}
AUTHORS = {"rentas": "rentas1", "social": "social1"}
OBJECTS = [
    Obj(f"{unit}/{label}", unit, author, state, steps)
    for unit, author in AUTHORS.items()
    for label, (state, steps) in SCENARIOS.items()
]
MISSING = Obj("inexistente", None, None, None)
ALL_OBJECTS = [*OBJECTS, MISSING]


# --- the oracle --------------------------------------------------------------------------


def may_view(username, obj) -> bool:
    who = PEOPLE[username]
    if who is None or obj.unit is None:
        return False
    if who.superuser or obj.unit in who.units:
        return True
    if who.roles & {REVISOR, GERENTE} and obj.submitted:
        return True
    if PUBLICADOR in who.roles and obj.state in (APPROVED, PUBLISHED, WITHDRAWN):
        return True
    return bool(who.roles & {TRANSPARENCIA, AUDITOR}) and obj.state in (PUBLISHED, WITHDRAWN)


def may_edit(username, obj) -> bool:
    who = PEOPLE[username]
    if obj.state == DRAFT:
        return obj.unit in who.units
    if obj.state in (IN_REVIEW, PENDING, APPROVED):
        return bool(who.roles & {REVISOR, GERENTE}) and username not in obj.authors
    return False


# Where each action is legal (the lifecycle of DESIGN.md). Every request here is a
# prevention campaign, so the urgent path is open; none was published urgently, so
# there is never a post-publication review to do.
LEGAL_IN = {
    "submit": {DRAFT},
    "forward": {IN_REVIEW},
    "observe": {IN_REVIEW},
    "return": {PENDING},
    "approve": {PENDING},
    "reject": {PENDING},
    "publish": {APPROVED},
    "urgent_publish": {IN_REVIEW, PENDING},
    "post_review": set(),
    "cancel": {DRAFT, IN_REVIEW, PENDING},
    "withdraw": {PUBLISHED},
}


def may_take(username, obj, code) -> bool:
    """Whether the person may take the action (where it is legal). An administrator
    reads everything but acts only through roles they hold: here, none."""
    who = PEOPLE[username]
    member = obj.unit in who.units
    own = username in obj.authors
    reviewed = username in obj.reviewers
    if code == "submit":
        return member
    if code in ("forward", "observe"):
        return REVISOR in who.roles and not own
    if code in ("return", "reject"):
        return GERENTE in who.roles and not own
    if code in ("approve", "urgent_publish"):
        return GERENTE in who.roles and not own and not reviewed
    if code == "publish":
        return PUBLICADOR in who.roles and not own and not reviewed
    if code == "cancel":
        # The unit cancels its own open requests; the gerente those submitted to the office.
        return member or (GERENTE in who.roles and obj.state in (IN_REVIEW, PENDING))
    if code == "withdraw":
        return bool(who.roles & {GERENTE, PUBLICADOR}) and not own
    if code == "post_review":
        return bool(who.roles & {REVISOR, GERENTE})
    raise AssertionError(code)


def answer(username, obj, *, allowed) -> object:
    """The common shape: login, then 404 unless visible, then 403 unless allowed."""
    if username == ANONYMOUS:
        return LOGIN
    if not may_view(username, obj):
        return 404
    return 302 if allowed(username, obj) else 403


def expect_detail(username, obj):
    if username == ANONYMOUS:
        return LOGIN
    return 200 if may_view(username, obj) else 404


def expect_edit(username, obj):
    result = answer(username, obj, allowed=may_edit)
    return 200 if result == 302 else result


def expect_action(username, obj, code):
    if username == ANONYMOUS:
        return LOGIN
    if not may_view(username, obj):
        return 404
    if obj.state not in LEGAL_IN[code]:
        return 409
    return 302 if may_take(username, obj, code) else 403


def expect_upload(username, obj):
    return answer(username, obj, allowed=may_edit)


def expect_import(username, obj):
    """Importing a .docx replaces a draft's body: editors of drafts only."""
    result = answer(username, obj, allowed=may_edit)
    return 400 if result == 302 and obj.state != DRAFT else result


def expect_download(username, obj):
    return expect_detail(username, obj)


def expect_pdf_retry(username, obj):
    """Asking for a signed PDF again: the office (revisor, gerente, publicador) among those who
    may see the request; a first version is never an approved one, so the office is told so
    (409) and nothing is made (tests/documents/test_official.py)."""
    if username == ANONYMOUS:
        return LOGIN
    if not may_view(username, obj):
        return 404
    return 409 if PEOPLE[username].roles & {REVISOR, GERENTE, PUBLICADOR} else 403


def expect_archive_entry(username, obj):
    """The press archive holds what was published (withdrawn too): whoever may see the
    request; 404 for the rest, and for requests never published (tests/press)."""
    if username == ANONYMOUS:
        return LOGIN
    return 200 if may_view(username, obj) and obj.state in (PUBLISHED, WITHDRAWN) else 404


def expect_remove(username, obj):
    return answer(username, obj, allowed=may_edit)


def is_head(username, obj):
    return obj.unit in PEOPLE[username].head_of


def expect_share(username, obj):
    return answer(username, obj, allowed=is_head)


def expect_delegation_revoke(username, delegation_key):
    """Delegations belong to the gerente who granted them; the page is the gerente's
    (and the administrator's) alone, so everybody else is refused whatever the id."""
    if username == ANONYMOUS:
        return LOGIN
    who = PEOPLE[username]
    if who.superuser:
        return 404 if delegation_key == "inexistente" else 302
    if GERENTE in who.roles:
        return 302 if delegation_key == "propia" else 404
    return 403


# --- the URL tables -------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectURL:
    """How to call a URL that takes object ids, and what each person must get."""

    id_kwargs: tuple
    method: str
    expect: object = None  # (username, obj) -> expected answer
    note: str = ""


OBJECT_URLS = {
    "workflows:request_detail": ObjectURL(("pk",), "GET", expect_detail),
    "workflows:request_edit": ObjectURL(("pk",), "GET", expect_edit),
    # One column per action code: see test_action_matrix.
    "workflows:request_action": ObjectURL(("pk",), "POST", note="per action code"),
    "workflows:attachment_upload": ObjectURL(("pk",), "POST", expect_upload),
    "workflows:import_docx": ObjectURL(("pk",), "POST", expect_import),
    "workflows:attachment_download": ObjectURL(("pk", "attachment_id"), "GET", expect_download),
    "workflows:attachment_remove": ObjectURL(("pk", "attachment_id"), "POST", expect_remove),
    "workflows:share_create": ObjectURL(("pk",), "POST", expect_share),
    "workflows:share_revoke": ObjectURL(("pk", "share_id"), "POST", expect_share),
    # Scheduling a publication: as the publish action; nothing in the dataset is scheduled,
    # so unscheduling is 409 for whoever may see it (tests/workflows/test_scheduling.py).
    "workflows:schedule_publication": ObjectURL(
        ("pk",), "POST", lambda username, obj: expect_action(username, obj, "publish")
    ),
    "workflows:unschedule_publication": ObjectURL(
        ("pk",), "POST", lambda username, obj: expect_unschedule(username, obj)
    ),
    # Document versions: whoever may see the request, else 404 (tests/documents).
    "workflows:version_list": ObjectURL(("pk",), "GET", expect_detail),
    "workflows:version_compare": ObjectURL(("pk",), "GET", expect_detail),
    "workflows:version_review": ObjectURL(("pk",), "GET", expect_detail),
    "workflows:version_docx": ObjectURL(("pk", "number"), "GET", expect_download),
    # The signed PDF: no PDF is made in this dataset, so nobody gets one (404 for all, never
    # a file nor a 500); who gets it once made, and who may retry it: tests/documents/test_official.py.
    "workflows:version_pdf": ObjectURL(
        ("pk", "number"), "GET", lambda username, obj: LOGIN if username == ANONYMOUS else 404
    ),
    "workflows:version_pdf_retry": ObjectURL(
        ("pk", "number"), "POST", lambda username, obj: expect_pdf_retry(username, obj)
    ),
    # The press archive's entry for one request (tests/press/test_archive.py).
    "press:archive_entry": ObjectURL(("pk",), "GET", expect_archive_entry),
    # Coverage items, not requests: tests/press/test_permissions.py.
    "press:coverage_edit": ObjectURL(("pk",), "GET", note="coverage items"),
    "press:coverage_clipping": ObjectURL(("pk",), "GET", note="coverage items"),
    # Distributing a press release: every request here is a campaign, which has no
    # distribution page (404 for all); press releases in every state, and the directory's
    # own objects, are walked by tests/directory/test_matrix.py.
    "directory:distributions": ObjectURL(("pk",), "GET", lambda username, obj: expect_not_a_press_release(username)),
    "directory:distribute": ObjectURL(("pk",), "POST", lambda username, obj: expect_not_a_press_release(username)),
    "directory:distribution_retry": ObjectURL(("pk", "distribution_id"), "POST", note="distributions"),
    "directory:journalist_edit": ObjectURL(("pk",), "GET", note="directory entries"),
    "directory:outlet_edit": ObjectURL(("pk",), "GET", note="directory entries"),
    "directory:contact_edit": ObjectURL(("pk",), "GET", note="directory entries"),
    "directory:list_edit": ObjectURL(("pk",), "GET", note="directory entries"),
    # Delegations, not requests: see test_delegation_revoke_matrix.
    "organization:delegation_revoke": ObjectURL(("pk",), "POST", note="delegations"),
    # A request's state for a reconnecting page: whoever may see the request, else 404.
    "notifications:request_state": ObjectURL(("pk",), "GET", expect_detail),
    # The inbox's decision on one request: see test_inbox_decision_matrix.
    "approvals:decide": ObjectURL(("pk",), "POST", note="the approval decision"),
    # Tasks, not requests: see test_task_url_matrix.
    "approvals:take": ObjectURL(("task_pk",), "POST", note="tasks"),
    "approvals:release": ObjectURL(("task_pk",), "POST", note="tasks"),
    "approvals:reassign": ObjectURL(("task_pk",), "POST", note="tasks"),
    "approvals:open_task": ObjectURL(("task_pk",), "GET", note="tasks"),
    # Dossiers: asked for by transparency and control (tests/audit/test_dossier.py for POST).
    "dossier:request": ObjectURL(("pk",), "GET", lambda username, obj: expect_dossier(username, obj)),
    # Register entries and export jobs, not requests: see test_dossier_url_matrix.
    "dossier:transparency": ObjectURL(("pk",), "GET", note="register entries"),
    "dossier:job": ObjectURL(("job_id",), "GET", note="export jobs"),
    "dossier:status": ObjectURL(("job_id",), "GET", note="export jobs"),
    "dossier:download": ObjectURL(("job_id",), "GET", note="export jobs"),
    # One request's audit trail: any request (drafts and cancelled ones too) for
    # transparency, control and the administrator; 403 for everybody else whatever the id.
    "audit:request_timeline": ObjectURL(("pk",), "GET", lambda username, obj: expect_audit_trail(username, obj)),
    # Transparency register entries, not requests: tests/transparency/test_register_matrix.py.
    "transparency:detail": ObjectURL(("pk",), "GET", note="transparency entries"),
    "transparency:edit": ObjectURL(("pk",), "GET", note="transparency entries"),
    "transparency:action": ObjectURL(("pk",), "POST", note="transparency entries"),
    "transparency:link_request": ObjectURL(("pk",), "POST", note="transparency entries"),
    "transparency:unlink_request": ObjectURL(("pk", "request_pk"), "POST", note="transparency entries"),
    "transparency:link_document": ObjectURL(("pk",), "POST", note="transparency entries"),
    "transparency:unlink_document": ObjectURL(("pk", "version_pk"), "POST", note="transparency entries"),
    # Calendar events, not requests: tests/civic_calendar/test_views.py (test_event_url_matrix).
    "civic_calendar:event_detail": ObjectURL(("pk",), "GET", note="calendar events"),
    "civic_calendar:event_edit": ObjectURL(("pk",), "GET", note="calendar events"),
    "civic_calendar:event_cancel": ObjectURL(("pk",), "POST", note="calendar events"),
    "civic_calendar:need_add": ObjectURL(("pk",), "POST", note="calendar events"),
    "civic_calendar:need_remove": ObjectURL(("pk", "need_pk"), "POST", note="calendar events"),
    "civic_calendar:need_link": ObjectURL(("pk", "need_pk"), "POST", note="calendar events"),
    "civic_calendar:spawn": ObjectURL(("pk",), "POST", note="calendar events"),
    # Generated reports, not requests: tests/reports/test_views.py (test_download_matrix).
    "reports:download": ObjectURL(("pk",), "GET", note="reports"),
}


def control_reader(username):
    """The responsable de transparencia, the auditor, the administrator."""
    who = PEOPLE[username]
    return who.superuser or bool(who.roles & {TRANSPARENCIA, AUDITOR})


def report_reader(username):
    """The monthly report and the memoria anual: the gerente, who reads the record, the
    administrator."""
    who = PEOPLE[username]
    return who.superuser or bool(who.roles & {GERENTE, TRANSPARENCIA, AUDITOR})


def report_generator(username):
    who = PEOPLE[username]
    return who.superuser or GERENTE in who.roles


def report_page(username):
    """Generating: 404 unless a reader; an empty form is 400 for who may generate, 403 for
    the other readers."""
    if username == ANONYMOUS:
        return LOGIN
    if not report_reader(username):
        return 404
    return 400 if report_generator(username) else 403


def calendar_office(username):
    """Who manages the civic calendar: the office's roles and the administrator."""
    who = PEOPLE[username]
    return who.superuser or bool(who.roles & {REVISOR, GERENTE, PUBLICADOR})


def expect_unschedule(username, obj):
    if username == ANONYMOUS:
        return LOGIN
    return 409 if may_view(username, obj) else 404


def expect_audit_trail(username, obj):
    """The trail is metadata (who, when, which state): control and transparency read every
    request's; a dossier carries the content too, so it follows the request's permissions."""
    if PEOPLE[username] is None:
        return LOGIN
    if not control_reader(username):
        return 403
    return 404 if obj.unit is None else 200


def expect_dossier(username, obj):
    if PEOPLE[username] is None:
        return LOGIN
    if not control_reader(username):
        return 403
    if obj.unit is None:
        return 404
    who = PEOPLE[username]
    # The auditor examines every request; transparency what it may see (or a register
    # entry concerns: none does in this dataset).
    if who.superuser or AUDITOR in who.roles:
        return 200
    return 200 if may_view(username, obj) else 404


def office_or_readers(username):
    who = PEOPLE[username]
    return who.superuser or bool(who.roles & {GERENTE, REVISOR, TRANSPARENCIA, AUDITOR})


def monitoring_reader(username):
    """The communications office and who reads the record: the media monitoring log."""
    who = PEOPLE[username]
    return who.superuser or bool(who.roles & {REVISOR, GERENTE, PUBLICADOR, TRANSPARENCIA, AUDITOR})


def monitoring_page(*, office, reader):
    """A monitoring page that writes: `office` for the office and the administrator,
    `reader` for transparencia and the auditor, 404 for everybody else."""

    def expect(username):
        if username == ANONYMOUS:
            return LOGIN
        who = PEOPLE[username]
        if who.superuser or who.roles & {REVISOR, GERENTE, PUBLICADOR}:
            return office
        return reader if monitoring_reader(username) else 404

    return expect


def in_a_unit(username):
    return bool(PEOPLE[username].units)


def gerente_or_admin(username):
    who = PEOPLE[username]
    return who.superuser or GERENTE in who.roles


def register_page(*, officer, reader):
    """The transparency register: 404 (not revealed) unless a reader; the officer gets
    `officer`, the other readers (auditor, administrator) `reader`."""

    def expect(username):
        if username == ANONYMOUS:
            return LOGIN
        if TRANSPARENCIA in PEOPLE[username].roles:
            return officer
        return reader if control_reader(username) else 404

    return expect


def directory_reader(username):
    """The media directory: the communications office and the administrator read it."""
    who = PEOPLE[username]
    return who.superuser or bool(who.roles & {REVISOR, GERENTE, PUBLICADOR})


def directory_page(*, editor, reader):
    """A directory form: `editor` for the office, `reader` for the administrator without an
    office role, 404 for everybody else (transparencia and the auditor included)."""

    def expect(username):
        if username == ANONYMOUS:
            return LOGIN
        if PEOPLE[username].roles & {REVISOR, GERENTE, PUBLICADOR}:
            return editor
        return reader if directory_reader(username) else 404

    return expect


NO_TOKEN = "00000000-0000-0000-0000-000000000000"


def expect_not_a_press_release(username):
    return LOGIN if username == ANONYMOUS else 404


def protected(rule, *, yes=200, no=403):
    """A page behind the login: `yes` for whom `rule` admits, `no` for the rest."""
    return lambda username: LOGIN if username == ANONYMOUS else (yes if rule(username) else no)


@dataclass(frozen=True)
class Probe:
    method: str
    expect: object  # username -> expected answer
    kwargs: dict = field(default_factory=dict)
    data: dict | None = None


PLAIN_URLS = {
    "/": [Probe("GET", lambda username: 302)],
    # Everyone has an inbox; it lists only what is theirs (tests/approvals/test_inbox.py).
    "approvals:inbox": [Probe("GET", protected(lambda username: True))],
    "approvals:bulk_approve": [
        Probe("POST", protected(lambda username: True, yes=400), data={}),
        Probe("GET", protected(lambda username: True, yes=405)),
    ],
    "login": [Probe("GET", lambda username: 200 if username == ANONYMOUS else 302)],
    # Logging out changes state: POST only, for everybody.
    "logout": [Probe("GET", lambda username: 405)],
    "workflows:request_list": [Probe("GET", protected(lambda username: True))],
    "workflows:urgent_publications": [Probe("GET", protected(office_or_readers))],
    # The press archive lists what each one may see; media monitoring is the office's and
    # its readers' (404 for the rest), written by the office only (tests/press/).
    "press:archive": [Probe("GET", protected(lambda username: True))],
    "press:coverage_list": [Probe("GET", protected(monitoring_reader, no=404))],
    "press:coverage_summary": [Probe("GET", protected(monitoring_reader, no=404))],
    "press:coverage_create": [
        Probe("GET", monitoring_page(office=200, reader=403)),
        Probe("POST", monitoring_page(office=400, reader=403), data={}),
    ],
    # The media directory: 404 outside the office (tests/directory/test_matrix.py).
    "directory:journalist_list": [Probe("GET", protected(directory_reader, no=404))],
    "directory:outlet_list": [Probe("GET", protected(directory_reader, no=404))],
    "directory:contact_list": [Probe("GET", protected(directory_reader, no=404))],
    "directory:list_list": [Probe("GET", protected(directory_reader, no=404))],
    **{
        f"directory:{name}_create": [
            Probe("GET", directory_page(editor=200, reader=403)),
            Probe("POST", directory_page(editor=400, reader=403), data={}),
        ]
        for name in ("journalist", "outlet", "contact", "list")
    },
    "directory:import_upload": [
        Probe("GET", directory_page(editor=200, reader=403)),
        Probe("POST", directory_page(editor=400, reader=403), data={}),
    ],
    # A token never handed out (NO_TOKEN): nobody's preview.
    "directory:import_preview": [Probe("GET", protected(lambda username: False, no=404), kwargs={"token": NO_TOKEN})],
    "directory:import_confirm": [Probe("POST", protected(lambda username: False, no=404), kwargs={"token": NO_TOKEN})],
    "directory:export": [
        Probe("GET", protected(directory_reader, no=404), kwargs={"what": "periodistas"}),
        Probe("GET", protected(lambda username: False, no=404), kwargs={"what": "inexistente"}),
    ],
    "workflows:request_kind_choice": [Probe("GET", protected(in_a_unit))],
    "workflows:request_create": [
        Probe("GET", protected(in_a_unit), kwargs={"kind": "campaign"}),
        Probe("GET", protected(lambda username: False, no=404), kwargs={"kind": "inexistente"}),
        # An empty form: refused before validation for whoever may not create.
        Probe("POST", protected(in_a_unit, yes=400), kwargs={"kind": "campaign"}, data={}),
    ],
    "organization:delegation_list": [Probe("GET", protected(gerente_or_admin))],
    # Everyone's own notifications (tests/notifications checks they are only their own).
    "notifications:new": [Probe("GET", protected(lambda username: True))],
    "notifications:mark_read": [
        Probe("POST", protected(lambda username: True, yes=400), data={}),
        Probe("GET", protected(lambda username: True, yes=405)),
    ],
    "notifications:preferences": [
        Probe("GET", protected(lambda username: True)),
        Probe("POST", protected(lambda username: True, yes=400), data={"email_kinds": ["nada"]}),
    ],
    "dossier:list": [Probe("GET", protected(control_reader))],
    # The monthly report and the memoria anual (tests/reports/test_views.py).
    "reports:list": [Probe("GET", protected(report_reader, no=404))],
    "reports:generate": [
        Probe("POST", report_page, data={}),
        Probe("GET", protected(lambda username: True, yes=405, no=405)),
    ],
    "transparency:list": [
        Probe("GET", register_page(officer=200, reader=200)),
        Probe("POST", lambda username: LOGIN if username == ANONYMOUS else 405),
    ],
    "transparency:create": [
        Probe("GET", register_page(officer=200, reader=403)),
        Probe("POST", register_page(officer=400, reader=403), data={}),
    ],
    # The audit log and its exports; each export is itself an audit event (tests/audit/).
    "audit:log": [Probe("GET", protected(control_reader))],
    "audit:export_csv": [Probe("GET", protected(control_reader))],
    "audit:export_xlsx": [Probe("GET", protected(control_reader))],
    "checkpoints:list": [Probe("GET", protected(control_reader))],
    # The auditor (OCI) and the administrator seal the log; a POST that may seals it.
    "checkpoints:create": [
        Probe(
            "POST", protected(lambda username: PEOPLE[username].superuser or AUDITOR in PEOPLE[username].roles, yes=302)
        ),
        Probe("GET", protected(lambda username: True, yes=405, no=405)),
    ],
    # Public pages (records/public_urls.py): no login, the same answer for everybody.
    "public:list": [Probe("GET", lambda username: 200)],
    "public:press_feed": [Probe("GET", lambda username: 200)],
    # A reference never handed out; every state is walked by test_public_detail_matrix.
    "public:detail": [Probe("GET", lambda username: 404, kwargs={"reference": "COM-1999-99999"})],
    "public:verify": [
        Probe("POST", lambda username: 404, kwargs={"reference": "COM-1999-99999"}, data={}),
        Probe("GET", lambda username: 405, kwargs={"reference": "COM-1999-99999"}),
    ],
    # Official documents by their code (tests/documents/test_public_verification.py walks
    # published, withdrawn, approved-only and unknown codes): no login, the same for everybody.
    "public:verify_lookup": [Probe("GET", lambda username: 200)],
    # The coat of arms, by its hash: none is uploaded here (tests/organization/test_logo.py).
    "public:logo": [Probe("GET", lambda username: 404, kwargs={"sha256": "0" * 64})],
    "public:verify_code": [Probe("GET", lambda username: 404, kwargs={"code": "VER-2345-6789"})],
    "public:verify_pdf": [Probe("GET", lambda username: 404, kwargs={"code": "VER-2345-6789"})],
    "public:verify_upload": [
        Probe("POST", lambda username: 404, kwargs={"code": "VER-2345-6789"}, data={}),
        Probe("GET", lambda username: 405, kwargs={"code": "VER-2345-6789"}),
    ],
    "organization:delegation_create": [
        # The administrator sees the delegations but has no approval power to delegate.
        Probe("POST", protected(lambda username: GERENTE in PEOPLE[username].roles, yes=400), data={}),
        Probe("GET", protected(lambda username: True, yes=405, no=405)),
    ],
    # The civic calendar: everyone logged in reads it; the office and the administrator
    # manage it (tests/civic_calendar/test_views.py walks its events).
    "civic_calendar:month": [Probe("GET", protected(lambda username: True))],
    "civic_calendar:list": [Probe("GET", protected(lambda username: True))],
    "civic_calendar:event_create": [
        Probe("GET", protected(lambda username: calendar_office(username))),
        Probe("POST", protected(lambda username: calendar_office(username), yes=400), data={}),
    ],
    # Everyone's own feed address, made or revoked by POST only.
    "civic_calendar:feed_renew": [
        Probe("POST", protected(lambda username: True, yes=302)),
        Probe("GET", protected(lambda username: True, yes=405, no=405)),
    ],
    "civic_calendar:feed_revoke": [Probe("POST", protected(lambda username: True, yes=302))],
    # No session: a token nobody holds is not found, for everybody, anonymous included.
    "civic_calendar:ics": [Probe("GET", lambda username: 404, kwargs={"token": "no-existe"})],
}


# --- walking the URL configuration ------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str
    kwargs: tuple
    id_kwargs: tuple


def _kwargs_of(pattern):
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return dict(converters)
    return dict.fromkeys(pattern.pattern.regex.groupindex)


def is_id_kwarg(name, converter) -> bool:
    return isinstance(converter, IntConverter) or name == "pk" or name == "id" or name.endswith("_id")


def project_routes() -> list[Route]:
    """Every URL pattern of the project except Django's admin, which has its own checks."""
    routes = []

    def walk(resolver, prefix, namespace, kwargs):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if route.startswith("admin/"):
                continue
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace])) or None
                walk(entry, route, inner, {**kwargs, **_kwargs_of(entry)})
            elif isinstance(entry, URLPattern):
                all_kwargs = {**kwargs, **_kwargs_of(entry)}
                key = ":".join(filter(None, [namespace, entry.name])) if entry.name else "/" + route
                ids = tuple(name for name, converter in all_kwargs.items() if is_id_kwarg(name, converter))
                routes.append(Route(key, route, tuple(all_kwargs), ids))

    walk(get_resolver(), "", None, {})
    return routes


def test_the_walk_finds_the_project_urls():
    keys = {route.key for route in project_routes()}
    assert {"workflows:request_detail", "organization:delegation_revoke", "login", "/"} <= keys
    assert not any(key.startswith("admin:") for key in keys)


def test_no_url_with_an_object_id_escapes_the_matrix():
    escaped = [
        f"{route.key} ({route.route}, ids {route.id_kwargs})"
        for route in project_routes()
        if route.id_kwargs and route.key not in OBJECT_URLS
    ]
    assert not escaped, f"new URL escaped the matrix: add it to OBJECT_URLS with its expected answers: {escaped}"


def test_no_url_without_object_ids_escapes_the_table():
    escaped = [
        f"{route.key} ({route.route})"
        for route in project_routes()
        if not route.id_kwargs and route.key not in PLAIN_URLS
    ]
    assert not escaped, f"new URL escaped the matrix: add it to PLAIN_URLS with its expected answers: {escaped}"


def test_the_tables_describe_the_urls_as_they_are():
    routes = {route.key: route for route in project_routes()}
    stale = sorted((OBJECT_URLS.keys() | PLAIN_URLS.keys()) - routes.keys())
    assert not stale, f"the matrix names URLs that no longer exist: {stale}"
    wrong_ids = {
        key: (spec.id_kwargs, routes[key].id_kwargs)
        for key, spec in OBJECT_URLS.items()
        if spec.id_kwargs != routes[key].id_kwargs
    }
    assert not wrong_ids, f"object ids changed (table, URL): {wrong_ids}"
    assert not [key for key in PLAIN_URLS if routes[key].id_kwargs], "a URL with object ids sits in PLAIN_URLS"
    # An entry without its own expectation must be one a dedicated matrix test walks.
    special = {name for name, spec in OBJECT_URLS.items() if spec.expect is None}
    assert special == {
        "workflows:request_action",  # test_action_matrix
        "organization:delegation_revoke",  # test_delegation_revoke_matrix
        "approvals:decide",  # test_inbox_decision_matrix
        "approvals:take",  # test_task_url_matrix, with the three below
        "approvals:release",
        "approvals:reassign",
        "approvals:open_task",
        "directory:distribution_retry",  # tests/directory/test_matrix.py, with the four below
        "directory:journalist_edit",
        "directory:outlet_edit",
        "directory:contact_edit",
        "directory:list_edit",
        "press:coverage_edit",  # tests/press/test_permissions.py, with the one below
        "press:coverage_clipping",
        # tests/transparency/test_register_matrix.py, with the six below
        "transparency:detail",
        "transparency:edit",
        "transparency:action",
        "transparency:link_request",
        "transparency:unlink_request",
        "transparency:link_document",
        "transparency:unlink_document",
        "dossier:transparency",  # test_dossier_url_matrix, with the three below
        "dossier:job",
        "dossier:status",
        "dossier:download",
        "civic_calendar:event_detail",  # tests/civic_calendar/test_views.py, with the six below
        "civic_calendar:event_edit",
        "civic_calendar:event_cancel",
        "civic_calendar:need_add",
        "civic_calendar:need_remove",
        "civic_calendar:need_link",
        "civic_calendar:spawn",
        "reports:download",  # tests/reports/test_views.py
    }


def test_every_action_has_a_column_in_the_matrix():
    # Only the list of codes is read from the app; what each one needs is the oracle's.
    assert set(policies.ACTIONS) == set(LEGAL_IN)


# --- the dataset, once for the module ---------------------------------------------------


def small_pdf() -> bytes:
    """A real one-page PDF with a valid cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


PDF = small_pdf()


def pdf_upload(name="anexo.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def run_step(users, material_request, step, head):
    if step.startswith("coauthor:"):
        person = users[step.split(":")[1]]
        share = services.share_request(head, material_request, reason="Coautoría.", user=person)
        services.update_request(
            person, material_request, fields={"summary": "Resumen con su aporte."}, details={}, expected_revision=None
        )
        services.revoke_share(head, share, reason="Terminó su aporte.")
        return MaterialRequest.objects.get(pk=material_request.pk)
    if step.startswith("edit:"):
        person = users[step.split(":")[1]]
        return services.update_request(
            person, material_request, fields={"body": "Texto corregido."}, details={}, expected_revision=None
        )
    actor = users[STEP_ACTORS[step]] if step in STEP_ACTORS else material_request.author
    return services.ACTION_SERVICES[step](actor, material_request, **step_kwargs(step))


@dataclass
class Dataset:
    users: dict
    units: dict
    pks: dict  # object key -> request pk
    revisions: dict  # object key -> its revision (every change is rolled back, so it stays)
    attachments: dict  # object key -> attachment pk
    shares: dict  # object key -> share pk
    delegations: dict  # "propia" / "ajena" / "inexistente" -> pk
    clients: dict  # username -> logged-in Client


def build_dataset() -> Dataset:
    units, users = build_organization()
    seguridad = ensure_unit(units["rentas"].municipality, code="seguridad", name="Seguridad Ciudadana")
    users["jefe_rentas"] = ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )
    heads = {
        "rentas": users["jefe_rentas"],
        # Only to share the Social requests; not a column of the matrix.
        "social": ensure_user(
            "jefe_social",
            password=PASSWORD,
            roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
            units=(units["social"],),
            head_of=(units["social"],),
        ),
    }
    pks, revisions, attachments, shares = {}, {}, {}, {}
    for obj in OBJECTS:
        material_request = create_request(users[obj.author], units[obj.unit])
        attachment = services.add_attachment(users[obj.author], material_request, pdf_upload(), description="Anexo")
        material_request = MaterialRequest.objects.get(pk=material_request.pk)
        for step in obj.steps:
            material_request = run_step(users, material_request, step, heads[obj.unit])
        assert material_request.state == obj.state, obj.key
        # A share with a unit none of the matrix's people belongs to: visibility unchanged.
        if not DocumentVersion.objects.filter(request=material_request).exists():
            # Drafts never submitted have no version yet: give every request one to download.
            record_version(actor=users[obj.author], material_request=material_request, reason="edit")
        share = services.share_request(heads[obj.unit], material_request, reason="Coautoría.", unit=seguridad)
        pks[obj.key], attachments[obj.key], shares[obj.key] = material_request.pk, attachment.pk, share.pk
        revisions[obj.key] = material_request.revision
    pks[MISSING.key] = MaterialRequest.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    revisions[MISSING.key] = 1

    today = timezone.localdate()
    later = {"starts_on": today + timedelta(days=30), "ends_on": today + timedelta(days=35)}
    # Future periods: no encargatura is active while the matrix runs.
    own = create_delegation(users["gerente"], delegate=users["revisor2"], resolution="RG-001", **later)
    other = create_delegation(users["gerente_rentas"], delegate=users["revisor1"], resolution="RG-002", **later)
    delegations = {"propia": own.pk, "ajena": other.pk, "inexistente": other.pk + 1000}

    clients = {ANONYMOUS: Client()}
    for username in PEOPLE:
        if username != ANONYMOUS:
            clients[username] = Client()
            clients[username].force_login(users[username])
    return Dataset(users, units, pks, revisions, attachments, shares, delegations, clients)


# The `dataset` fixture (tests/conftest.py) builds it once per module with build_dataset.


@pytest.fixture(autouse=True)
def fresh_messages(request):
    """Flash messages a previous test left in a shared client's cookie must not show up
    in this test's pages."""
    if "dataset" in request.fixturenames:
        for client in request.getfixturevalue("dataset").clients.values():
            client.cookies.pop("messages", None)


# --- calling and judging -----------------------------------------------------------------


def outcome(response, path):
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        if location.path == LOGIN_URL:
            assert parse_qs(location.query).get("next") == [path], response["Location"]
            return LOGIN
    return response.status_code


def snapshot(pk):
    """What a refused POST must leave as it was: the request's state and revision (every
    edit, attachment and transition bumps it) and the audit log, which records shares too."""
    last_event = AuditEvent.objects.order_by("-pk").values("pk")[:1]
    row = MaterialRequest.objects.filter(pk=pk).values_list("state", "revision", Subquery(last_event)).first()
    return row or AuditEvent.objects.aggregate(last=Max("pk"))["last"]


def consume(response):
    """Read a streamed body to its end: the test client's wrapper then closes the file
    (calling response.close() here would close the test's database connection)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def call(client, method, path, data=None, *, pk=None):
    """One cell. A POST runs in a savepoint that is rolled back; it must change nothing
    unless it succeeded (a redirect that is not to the login page)."""
    if method == "GET":
        response = client.get(path)
        result = outcome(response, path)
        consume(response)
        return result, ""
    with transaction.atomic():
        before = snapshot(pk) if pk else None
        response = client.post(path, data() if callable(data) else (data or {}))
        result = outcome(response, path)
        problem = ""
        if pk is not None:
            changed = snapshot(pk) != before
            if result == 302 and not changed:
                problem = " (answered 302 but changed nothing)"
            elif result != 302 and changed:
                problem = " (refused, yet the request changed)"
        transaction.set_rollback(True)
    client.cookies.pop("messages", None)
    return result, problem


def judge(cells):
    """cells: (label, expected, got, problem). One readable failure for all mismatches."""
    wrong = [
        f"{label}: expected {expected}, got {got}{problem}"
        for label, expected, got, problem in cells
        if expected != got or problem
    ]
    assert not wrong, f"{len(wrong)} of {len(cells)} cells wrong:\n" + "\n".join(wrong)


def action_data(code, revision):
    data = {"comment": "Motivo de prueba.", "revision": revision}
    if code in ("publish", "urgent_publish"):
        data.update(channel="Portal web", date=timezone.localdate().isoformat(), url="https://example.gob.pe/n/1")
    return data


def docx_upload():
    """A small real Word document, as a person would upload it."""
    document = Document()
    document.add_heading("Nota de prensa", level=1)
    document.add_paragraph("Texto importado desde Word.")
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile("nota.docx", buffer.getvalue())


def object_path(name, dataset, obj):
    pk = dataset.pks[obj.key]
    # The missing request borrows a real attachment/share id: only the request is missing.
    sibling = obj.key if obj.key in dataset.attachments else OBJECTS[0].key
    kwargs = {"pk": pk}
    if "attachment_id" in OBJECT_URLS[name].id_kwargs:
        kwargs["attachment_id"] = dataset.attachments[sibling]
    if "share_id" in OBJECT_URLS[name].id_kwargs:
        kwargs["share_id"] = dataset.shares[sibling]
    if "number" in OBJECT_URLS[name].id_kwargs:
        kwargs["number"] = 1  # every request of the dataset has a first document version
    return reverse(name, kwargs=kwargs) + QUERIES.get(name, "")


# Pages that need a query string to answer 200.
QUERIES = {"workflows:version_compare": "?a=1&b=1"}

POST_DATA = {
    "workflows:attachment_upload": lambda dataset: lambda: {"file": pdf_upload("nuevo.pdf"), "description": "Otro"},
    "workflows:attachment_remove": lambda dataset: {},
    "workflows:import_docx": lambda dataset: lambda: {"file": docx_upload()},
    "workflows:share_create": lambda dataset: {"unit": dataset.units["obras"].pk, "reason": "Revisión técnica."},
    "workflows:share_revoke": lambda dataset: {"reason": "Terminó la coordinación."},
    "workflows:schedule_publication": lambda dataset: {
        "publish_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "Portal web institucional",
    },
    "workflows:unschedule_publication": lambda dataset: {"reason": "Cambió la fecha del evento."},
    "directory:distribute": lambda dataset: {"subject": "Nota de prensa"},
    "workflows:version_pdf_retry": lambda dataset: {},
}
REQUEST_URLS = sorted(name for name, spec in OBJECT_URLS.items() if spec.expect is not None)


@pytest.mark.parametrize("name", REQUEST_URLS)
def test_request_url_matrix(dataset, name):
    spec = OBJECT_URLS[name]
    cells = []
    for username, client in dataset.clients.items():
        for obj in ALL_OBJECTS:
            path = object_path(name, dataset, obj)
            data = POST_DATA[name](dataset) if spec.method == "POST" else None
            got, problem = call(client, spec.method, path, data, pk=dataset.pks[obj.key] if data is not None else None)
            cells.append((f"{username} {spec.method} {obj.key}", spec.expect(username, obj), got, problem))
    judge(cells)


CODES = sorted(LEGAL_IN)
USERNAMES = list(PEOPLE)


def action_cells(code):
    """The (username, obj) pairs on which `code` is tried.

    Every action the request's state allows is tried by every person on every request in
    that state: those are the cells where roles, units and authorship decide. The actions
    the state does not allow are tried in rotation (two per person and request), so that
    every (request, illegal action) pair still meets several people while the run stays
    short; the rotation is checked by test_the_action_rotation_covers_every_pair."""
    for i, username in enumerate(USERNAMES):
        for j, obj in enumerate(ALL_OBJECTS):
            if obj.state in LEGAL_IN[code]:
                yield username, obj
                continue
            illegal = [c for c in CODES if obj.state not in LEGAL_IN[c]]
            picks = {illegal[(i + j) % len(illegal)], illegal[(i + j + len(illegal) // 2) % len(illegal)]}
            if code in picks:
                yield username, obj


def test_the_action_rotation_covers_every_pair():
    tried = {(username, obj.key, code) for code in CODES for username, obj in action_cells(code)}
    for obj in ALL_OBJECTS:
        for code in CODES:
            people = {username for username in USERNAMES if (username, obj.key, code) in tried}
            if obj.state in LEGAL_IN[code]:
                assert people == set(USERNAMES), (obj.key, code)
            else:
                assert len(people) >= 2, (obj.key, code, people)


@pytest.mark.parametrize("code", CODES)
def test_action_matrix(dataset, code):
    cells = []
    for username, obj in action_cells(code):
        client = dataset.clients[username]
        pk = dataset.pks[obj.key]
        path = reverse("workflows:request_action", kwargs={"pk": pk, "code": code})
        data = action_data(code, dataset.revisions[obj.key])
        got, problem = call(client, "POST", path, data, pk=pk)
        cells.append((f"{username} {code} {obj.key}", expect_action(username, obj, code), got, problem))
    judge(cells)


def test_unknown_action_is_not_found(dataset):
    cells = []
    for username, client in dataset.clients.items():
        for obj in (OBJECTS[0], OBJECTS[4], MISSING):
            pk = dataset.pks[obj.key]
            path = reverse("workflows:request_action", kwargs={"pk": pk, "code": "borrar"})
            got, problem = call(client, "POST", path, {"revision": dataset.revisions[obj.key]}, pk=pk)
            cells.append((f"{username} borrar {obj.key}", LOGIN if username == ANONYMOUS else 404, got, problem))
    judge(cells)


def test_delegation_revoke_matrix(dataset):
    cells = []
    for username, client in dataset.clients.items():
        for key, pk in dataset.delegations.items():
            path = reverse("organization:delegation_revoke", kwargs={"pk": pk})
            with transaction.atomic():
                before = Delegation.objects.filter(revoked_at__isnull=False).count()
                response = client.post(path, {"reason": "Regresó el titular."})
                got = outcome(response, path)
                changed = Delegation.objects.filter(revoked_at__isnull=False).count() != before
                transaction.set_rollback(True)
            client.cookies.pop("messages", None)
            problem = "" if changed == (got == 302) else " (the record disagrees with the answer)"
            cells.append((f"{username} revoke {key}", expect_delegation_revoke(username, key), got, problem))
    judge(cells)


@pytest.mark.parametrize("name", sorted(PLAIN_URLS))
def test_plain_url_table(dataset, name):
    cells = []
    for probe in PLAIN_URLS[name]:
        path = name if name.startswith("/") else reverse(name, kwargs=probe.kwargs)
        for username, client in dataset.clients.items():
            got, problem = call(client, probe.method, path, probe.data)
            cells.append((f"{username} {probe.method} {path}", probe.expect(username), got, problem))
    judge(cells)


# --- tampered ids and hidden fields -----------------------------------------------------


def request_of(dataset, key):
    return MaterialRequest.objects.get(pk=dataset.pks[key])


def test_action_on_another_units_request_is_not_found_and_changes_nothing(dataset):
    social = request_of(dataset, "social/borrador")
    events = AuditEvent.objects.count()
    response = dataset.clients["rentas1"].post(
        f"/solicitudes/{social.pk}/accion/submit/", {"revision": social.revision, "comment": ""}
    )
    assert response.status_code == 404
    assert social.reference not in response.content.decode()
    after = request_of(dataset, "social/borrador")
    assert (after.state, after.revision) == (DRAFT, social.revision)
    assert AuditEvent.objects.count() == events


def test_a_revision_from_another_requests_page_is_refused(dataset):
    """The only hidden field of an action form is the revision of the page it came from;
    posting one request's revision to another request's URL must not pass as fresh."""
    client = dataset.clients["revisor1"]
    target = request_of(dataset, "rentas/en_revision")
    other = request_of(dataset, "social/retirado")
    assert other.revision != target.revision
    response = client.post(
        reverse("workflows:request_action", args=[target.pk, "forward"]), {"revision": other.revision, "comment": ""}
    )
    assert response.status_code == 409
    after = request_of(dataset, "rentas/en_revision")
    assert (after.state, after.revision) == (IN_REVIEW, target.revision)


def hidden_inputs(html: str) -> set[str]:
    names = set()
    for tag in re.findall(r"<input[^>]*>", html):
        if re.search(r'type="hidden"', tag):
            match = re.search(r'name="([^"]+)"', tag)
            if match:
                names.add(match.group(1))
    return names


def test_forms_carry_no_object_ids_in_hidden_fields(dataset):
    """Which object a form acts on comes from the URL, checked against the user, never
    from a hidden field a person could edit."""
    pages = [
        ("rentas1", reverse("workflows:request_detail", args=[dataset.pks["rentas/borrador"]])),
        ("rentas1", reverse("workflows:request_edit", args=[dataset.pks["rentas/borrador"]])),
        ("jefe_rentas", reverse("workflows:request_detail", args=[dataset.pks["rentas/borrador"]])),
        ("revisor1", reverse("workflows:request_detail", args=[dataset.pks["rentas/en_revision"]])),
        ("gerente", reverse("workflows:request_detail", args=[dataset.pks["rentas/pendiente_aprobacion"]])),
        ("publicador", reverse("workflows:request_detail", args=[dataset.pks["rentas/aprobado"]])),
        ("rentas1", reverse("workflows:request_create", args=["campaign"])),
        ("gerente", reverse("organization:delegation_list")),
    ]
    for username, path in pages:
        response = dataset.clients[username].get(path)
        assert response.status_code == 200, path
        assert hidden_inputs(response.content.decode()) <= {"csrfmiddlewaretoken", "revision", "client_token"}, path


def test_edit_with_a_tampered_unit_keeps_the_request_in_its_unit(dataset):
    draft = request_of(dataset, "rentas/borrador")
    details = draft.details
    data = {
        "unit": dataset.units["social"].pk,
        "request": dataset.pks["social/borrador"],
        "pk": dataset.pks["social/borrador"],
        "title": "Título cambiado",
        "requested_by": draft.requested_by.isoformat(),
        "summary": draft.summary,
        "body": draft.body,
        "revision": draft.revision,
        "d-campaign_type": details.campaign_type,
        "d-objective": details.objective,
        "d-audience": details.audience,
        "d-channels": details.channels,
        "d-start_date": details.start_date.isoformat(),
        "d-end_date": details.end_date.isoformat(),
        "d-budget": str(details.budget),
    }
    with transaction.atomic():
        response = dataset.clients["rentas1"].post(reverse("workflows:request_edit", args=[draft.pk]), data)
        assert response.status_code == 302
        after = request_of(dataset, "rentas/borrador")
        assert after.title == "Título cambiado"
        assert after.unit_id == dataset.units["rentas"].pk
        social = request_of(dataset, "social/borrador")
        assert social.title != "Título cambiado"
        transaction.set_rollback(True)


def test_another_units_attachment_through_a_visible_request_is_not_found(dataset):
    rentas_attachment = dataset.attachments["rentas/en_revision"]
    social_pk = dataset.pks["social/en_revision"]
    path = reverse("workflows:attachment_download", args=[social_pk, rentas_attachment])
    # social1 sees its own request, but the attachment belongs to Rentas; revisor1 sees
    # both requests, but the attachment is not the one of the request in the URL.
    for username in ("social1", "revisor1", "admin"):
        response = dataset.clients[username].get(path)
        assert response.status_code == 404, username
    # The right URL works for who may see it, so the 404 above is about the pairing.
    right = reverse("workflows:attachment_download", args=[dataset.pks["rentas/en_revision"], rentas_attachment])
    response = dataset.clients["revisor1"].get(right)
    assert response.status_code == 200
    assert consume(response) == PDF
    assert dataset.clients["social1"].get(right).status_code == 404


def test_another_requests_attachment_or_share_cannot_be_removed_through_a_visible_one(dataset):
    social_pk = dataset.pks["social/borrador"]
    rentas_key = "rentas/borrador"
    with transaction.atomic():
        response = dataset.clients["social1"].post(
            reverse("workflows:attachment_remove", args=[social_pk, dataset.attachments[rentas_key]])
        )
        assert response.status_code == 404
        assert Attachment.objects.filter(pk=dataset.attachments[rentas_key]).exists()
        transaction.set_rollback(True)
    with transaction.atomic():
        # The head of Rentas revokes, through their own request's URL, a share of Social's.
        response = dataset.clients["jefe_rentas"].post(
            reverse("workflows:share_revoke", args=[dataset.pks[rentas_key], dataset.shares["social/borrador"]]),
            {"reason": "Intento."},
        )
        assert response.status_code == 404
        assert Share.objects.get(pk=dataset.shares["social/borrador"]).revoked_at is None
        transaction.set_rollback(True)


def test_a_hidden_request_and_a_missing_one_get_the_same_answer(dataset):
    """No leak of existence: another unit's draft answers exactly like an id that was
    never used, on every URL that takes a request id."""
    client = dataset.clients["rentas1"]
    hidden, missing = dataset.pks["social/borrador"], dataset.pks[MISSING.key]
    for name, spec in OBJECT_URLS.items():
        if not name.startswith("workflows:"):
            continue
        kwargs = {"code": "submit"} if name == "workflows:request_action" else {}
        if "attachment_id" in spec.id_kwargs:
            kwargs["attachment_id"] = dataset.attachments["social/borrador"]
        if "share_id" in spec.id_kwargs:
            kwargs["share_id"] = dataset.shares["social/borrador"]
        if "number" in spec.id_kwargs:
            kwargs["number"] = 1
        bodies = []
        for pk in (hidden, missing):
            path = reverse(name, kwargs={"pk": pk, **kwargs})
            response = client.post(path, {"revision": 1}) if spec.method == "POST" else client.get(path)
            assert response.status_code == 404, path
            # The id as a whole number only: "12" inside an icon's path data is not it.
            body = re.sub(rf"(?<![\d.-]){pk}(?![\d.])", "<id>", response.content.decode())
            bodies.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body))
        assert bodies[0] == bodies[1], name


# --- the inbox: decisions and tasks --------------------------------------------------------


def test_inbox_decision_matrix(dataset):
    """Approving from the inbox answers exactly as the approve action does."""
    cells = []
    for username, obj in action_cells("approve"):
        client = dataset.clients[username]
        pk = dataset.pks[obj.key]
        path = reverse("approvals:decide", kwargs={"pk": pk})
        data = {"decision": "approve", "comment": "Conforme.", "revision": dataset.revisions[obj.key]}
        got, problem = call(client, "POST", path, data, pk=pk)
        cells.append((f"{username} decide {obj.key}", expect_action(username, obj, "approve"), got, problem))
    judge(cells)


# The open task of each request in these states, and the action that completes it.
TASK_STATES = {
    "en_revision": "forward",
    "pendiente_aprobacion": "approve",
    "en_revision_coautores_revocados": "forward",
    "pendiente_editado_por_gerente": "approve",
}
REASSIGN_TO = {"forward": "revisor2", "approve": "gerente"}


def expect_task(username, obj, operation, code):
    if username == ANONYMOUS:
        return LOGIN
    if not may_view(username, obj):
        return 404
    if operation == "open":
        return 302
    if operation == "take":
        return 302 if may_take(username, obj, code) else 403
    if operation == "release":
        return 403  # nobody took it
    # reassign: only the gerente reassigns a task nobody took, to someone who may do it.
    return 302 if GERENTE in PEOPLE[username].roles and may_take(REASSIGN_TO[code], obj, code) else 403


def test_task_url_matrix(dataset):
    from approvals.services import current_task

    cells = []
    for obj in OBJECTS:
        label = obj.key.split("/", 1)[1]
        if label not in TASK_STATES:
            continue
        code = TASK_STATES[label]
        task = current_task(MaterialRequest.objects.get(pk=dataset.pks[obj.key]))
        to_user = dataset.users[REASSIGN_TO[code]].pk
        for username, client in dataset.clients.items():
            for operation, method, name, data in (
                ("open", "GET", "approvals:open_task", None),
                ("take", "POST", "approvals:take", {}),
                ("release", "POST", "approvals:release", {}),
                ("reassign", "POST", "approvals:reassign", {"to_user": to_user}),
            ):
                path = reverse(name, kwargs={"task_pk": task.pk})
                got, problem = call(client, method, path, data)
                cells.append(
                    (f"{username} {operation} {obj.key}", expect_task(username, obj, operation, code), got, problem)
                )
    # A task id that does not exist: 404 for everybody logged in.
    for username, client in dataset.clients.items():
        got, _problem = call(client, "GET", reverse("approvals:open_task", kwargs={"task_pk": 10**9}))
        cells.append((f"{username} open inexistente", LOGIN if username == ANONYMOUS else 404, got, ""))
    judge(cells)


# --- public pages, by reference ---------------------------------------------------------


def expect_public(username, obj):
    """Anyone, logged in or not, sees what was published (and what was withdrawn after
    publication); everything else answers like a reference never used."""
    return 200 if obj.state in (PUBLISHED, WITHDRAWN) else 404


def test_public_detail_matrix(dataset):
    references = dict(MaterialRequest.objects.filter(pk__in=dataset.pks.values()).values_list("pk", "reference"))
    cells = []
    for username, client in dataset.clients.items():
        for obj in ALL_OBJECTS:
            reference = references.get(dataset.pks[obj.key], "COM-1999-99999")
            for name, method in (("public:detail", "GET"), ("public:verify", "POST")):
                path = reverse(name, kwargs={"reference": reference})
                got, problem = call(client, method, path, {} if method == "POST" else None)
                # An empty upload to a public item is a bad request; elsewhere, not found.
                expected = expect_public(username, obj)
                expected = 400 if method == "POST" and expected == 200 else expected
                cells.append((f"{username} {method} {name} {obj.key}", expected, got, problem))
    judge(cells)


# --- dossiers: register entries and export jobs ------------------------------------------


def test_dossier_url_matrix(dataset):
    from audit.models import ExportJob
    from transparency.services import register_request

    users = dataset.users
    with transaction.atomic():
        entry = register_request(
            users["transparencia"],
            data={
                "requester_name": "Vecina de prueba",
                "requester_document_type": "dni",
                "requester_document_number": "45678912",
                "requester_email": "",
                "requester_phone": "",
                "requester_address": "",
                "channel": "presencial",
                "received_at": timezone.now() - timedelta(hours=1),
                "requested_information": "Quién aprobó la campaña.",
            },
        )
        job = ExportJob.objects.create(
            kind=ExportJob.Kind.REQUEST_DOSSIER,
            requested_by=users["transparencia"],
            params={"request": dataset.pks[OBJECTS[0].key]},
            title="Expediente de prueba",
        )
        cells = []
        for username, client in dataset.clients.items():
            reader = PEOPLE[username] is not None and control_reader(username)
            for pk, label in ((entry.pk, "entry"), (entry.pk + 1000, "missing entry")):
                got, problem = call(client, "GET", reverse("dossier:transparency", args=[pk]))
                expected = (
                    LOGIN if PEOPLE[username] is None else (403 if not reader else (200 if pk == entry.pk else 404))
                )
                cells.append((f"{username} dossier of {label}", expected, got, problem))
            # A job is its requester's alone: everybody else gets the answer for a missing one.
            # It is still pending here (nothing runs after this rolled-back transaction).
            owner = username == "transparencia"
            for name, mine in (("dossier:job", 200), ("dossier:status", 200), ("dossier:download", 409)):
                got, problem = call(client, "GET", reverse(name, args=[job.pk]))
                expected = LOGIN if PEOPLE[username] is None else (mine if owner else 404)
                cells.append((f"{username} {name}", expected, got, problem))
        transaction.set_rollback(True)
    judge(cells)
