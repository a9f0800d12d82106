"""core.prepared: a queryset of fixed shape compiled once, re-run with new values.

Each prepared query of the project must give what its plain queryset gives (instances with
their select_related objects and annotations, or values_list rows), with one statement of
the same SQL, on the calling thread's connection; the compile happens once per shape."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import services as approval_services
from audit.services import chain_name
from core.prepared import LIST_MAX, PreparedQuery
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD, create_request, request_in_state
from tests.press.conftest import PDF, upload
from workflows import duties
from workflows import services as workflow_services
from workflows.models import Kind, MaterialRequest, State

JOIN_TIMEOUT = 30


# --- helpers ------------------------------------------------------------------------------


def snapshot(instance, parents=()):
    """Everything an instance carries: its fields and annotations (its __dict__ but the
    state), and, recursively, the objects select_related cached on it (None for a missing
    reverse one-to-one, as Django caches it; a back reference to an object above it as its
    model and pk)."""
    values = {name: value for name, value in instance.__dict__.items() if name != "_state"}
    related = {}
    for name, obj in sorted(instance._state.fields_cache.items()):
        if obj is None:
            related[name] = None
        elif any(obj is parent for parent in (*parents, instance)):
            related[name] = ("back to", type(obj).__name__, obj.pk)
        else:
            related[name] = snapshot(obj, (*parents, instance))
    return values, related


def counting(build):
    """`build`, and the list of the arguments of each of its calls."""
    calls = []

    def wrapper(*args):
        calls.append(args)
        return build(*args)

    return wrapper, calls


def missing_pk():
    return (MaterialRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.fixture
def material_requests(users, units):
    """Requests of every kind, in several states, built through the services: one with an
    attachment, shared with a person and with a unit (that share revoked later)."""
    head = ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )
    draft = create_request(users["rentas1"], units["rentas"], Kind.CAMPAIGN, title="Borrador de campaña")
    workflow_services.add_attachment(users["rentas1"], draft, upload("anexo.pdf", PDF, "application/pdf"))
    share = workflow_services.share_request(head, draft, reason="Aporte de Social.", unit=units["social"])
    workflow_services.share_request(head, draft, reason="Revisión de Obras.", user=users["obras1"])
    workflow_services.revoke_share(head, share, reason="Ya no hace falta.")
    return {
        "draft": draft,
        "in_review": request_in_state(users, units, State.IN_REVIEW, Kind.SPEECH),
        "pending": request_in_state(
            users, units, State.PENDING_APPROVAL, Kind.SIGNAGE, author="social1", unit="social"
        ),
        "published": request_in_state(users, units, State.PUBLISHED, Kind.PUBLICATION),
        "cancelled": request_in_state(users, units, State.CANCELLED, Kind.CAMPAIGN, author="obras1", unit="obras"),
    }


# --- workflows.services._LOCKED -----------------------------------------------------------


def test_the_locked_read_gives_what_the_plain_queryset_gives(material_requests):
    with transaction.atomic():
        for name, material_request in material_requests.items():
            plain = workflow_services._locked_query(material_request.pk).get()
            prepared = workflow_services._LOCKED.get(material_request.pk)
            assert type(prepared) is MaterialRequest, name
            assert snapshot(prepared) == snapshot(plain), name


def test_the_locked_read_carries_its_related_objects_and_annotations(material_requests, django_assert_num_queries):
    draft = material_requests["draft"]
    with transaction.atomic():
        current = workflow_services._LOCKED.get(draft.pk)
        published = workflow_services._LOCKED.get(material_requests["published"].pk)
    # Not None == None: the draft has an audit chain and an attachment, the published
    # request document versions.
    assert current.prefetched_audit_sequence >= 1
    assert isinstance(current.prefetched_audit_hash, str) and current.prefetched_audit_hash
    assert [row["name"] for row in current.prefetched_attachments] == ["anexo.pdf"]
    assert published.prefetched_last_version >= 1
    assert published.prefetched_attachments is None
    with django_assert_num_queries(0):
        assert current.unit.code == "rentas"
        assert current.unit.municipality.name == "Municipalidad Distrital de Prueba"
        assert current.author.username == "rentas1"
        assert current.campaign_details.objective == "Vacunar 5 000 perros."
        # The other kinds' details were read too: known to be absent, no query.
        assert "speech_details" in current._state.fields_cache
        assert current._state.fields_cache["speech_details"] is None


def test_the_locked_read_with_the_actors_groups_gives_what_the_plain_queryset_gives(material_requests, users):
    actor = users["revisor1"]
    with transaction.atomic():
        for name, material_request in material_requests.items():
            plain = workflow_services._locked_query(material_request.pk, actor.pk).get()
            prepared = workflow_services._LOCKED_WITH_ACTOR_GROUPS.get(material_request.pk, actor.pk)
            assert snapshot(prepared) == snapshot(plain), name
            assert prepared.prefetched_actor_groups  # the reviewer belongs to a group


def test_different_pks_give_different_rows(material_requests):
    with transaction.atomic():
        rows = {name: workflow_services._LOCKED.get(r.pk) for name, r in material_requests.items()}
    assert {name: row.pk for name, row in rows.items()} == {name: r.pk for name, r in material_requests.items()}
    assert rows["draft"].title == "Borrador de campaña"
    assert rows["published"].kind == Kind.PUBLICATION
    assert rows["published"].publication_details is not None
    assert rows["pending"].unit.code == "social"


def test_a_missing_pk_raises_does_not_exist(material_requests):
    with transaction.atomic():
        workflow_services._LOCKED.get(material_requests["draft"].pk)  # compiled
        with pytest.raises(MaterialRequest.DoesNotExist):
            workflow_services._LOCKED.get(missing_pk())


def test_first_is_none_without_rows_and_the_row_with_one(material_requests):
    with transaction.atomic():
        assert workflow_services._LOCKED.first(missing_pk()) is None
        assert workflow_services._LOCKED.first(material_requests["draft"].pk).pk == material_requests["draft"].pk


def test_the_locked_read_is_one_statement_of_the_plain_querysets_sql(material_requests):
    pk = material_requests["published"].pk
    with transaction.atomic():
        workflow_services._LOCKED.get(material_requests["draft"].pk)  # compiled before, with another pk
        with CaptureQueriesContext(connection) as plain:
            list(workflow_services._locked_query(pk))
        with CaptureQueriesContext(connection) as prepared:
            workflow_services._LOCKED.get(pk)
    assert len(prepared.captured_queries) == 1
    assert len(plain.captured_queries) == 1
    assert prepared.captured_queries[0]["sql"] == plain.captured_queries[0]["sql"]


# --- compiled once ------------------------------------------------------------------------


def test_the_query_is_built_and_compiled_once_for_all_values(material_requests):
    build, calls = counting(workflow_services._locked_query)
    locked = PreparedQuery(build, int)
    with transaction.atomic():
        for material_request in [*material_requests.values(), *material_requests.values()]:
            assert locked.get(material_request.pk).pk == material_request.pk
        assert locked.first(missing_pk()) is None
    assert len(calls) == 1
    # It was built with a placeholder, not with any caller's value.
    assert calls[0][0] not in {r.pk for r in material_requests.values()}


def test_a_list_argument_is_compiled_once_per_length(material_requests):
    build, calls = counting(
        lambda ids: MaterialRequest.objects.filter(author_id__in=ids).order_by("pk").values_list("pk", flat=True)
    )
    by_author = PreparedQuery(build, list)
    rentas1, social1, obras1 = (material_requests[name].author_id for name in ("draft", "pending", "cancelled"))

    def plain(ids):
        return list(MaterialRequest.objects.filter(author_id__in=ids).order_by("pk").values_list("pk", flat=True))

    for ids in ([rentas1], [social1], [obras1, social1], [social1, rentas1], [rentas1, rentas1]):
        assert by_author(ids) == plain(ids), ids
    assert len(calls) == 2  # lengths 1 and 2
    # No list (Django runs nothing) and a long list: run as any queryset, right all the same.
    assert by_author([]) == []
    long = [rentas1, *range(10**6, 10**6 + LIST_MAX)]
    assert by_author(long) == plain(long)


def test_date_and_str_arguments_reach_the_sql(material_requests):
    today = timezone.localdate()
    titled_after = PreparedQuery(
        lambda title, day: MaterialRequest.objects.filter(title=title, requested_by__gte=day).values_list(
            "pk", flat=True
        ),
        str,
        type(today),
    )
    draft = material_requests["draft"]
    assert titled_after("Borrador de campaña", today) == [draft.pk]
    assert titled_after("Borrador de campaña", draft.requested_by + timedelta(days=1)) == []
    assert titled_after("Otro título", today) == []


# --- errors -------------------------------------------------------------------------------


def test_an_argument_that_never_reaches_the_sql_is_an_error(db):
    ignored = PreparedQuery(lambda pk: MaterialRequest.objects.all(), int)
    with pytest.raises(ValueError, match="argument 0"):
        ignored(1)


def test_an_argument_django_transforms_on_the_way_is_an_error(db):
    # icontains passes "%value%", not the value: the placeholder is not among the params.
    transformed = PreparedQuery(
        lambda pk, title: MaterialRequest.objects.filter(pk=pk, title__icontains=title), int, str
    )
    with pytest.raises(ValueError, match="argument 1"):
        transformed(1, "campaña")


def test_the_wrong_number_of_values_is_a_type_error(material_requests):
    pk = material_requests["draft"].pk
    with transaction.atomic():
        with pytest.raises(TypeError):
            workflow_services._LOCKED.get()
        with pytest.raises(TypeError):
            workflow_services._LOCKED.get(pk, pk)
        with pytest.raises(TypeError):
            workflow_services._LOCKED_WITH_ACTOR_GROUPS.get(pk)


def test_an_unsupported_kind_is_a_type_error(db):
    with pytest.raises(TypeError, match="unsupported"):
        PreparedQuery(lambda value: MaterialRequest.objects.filter(pk=value), float)(1.0)


def test_several_rows_for_get_are_multiple_objects_returned(material_requests):
    by_unit = PreparedQuery(lambda unit_id: MaterialRequest.objects.filter(unit_id=unit_id), int)
    with pytest.raises(MaterialRequest.MultipleObjectsReturned):
        by_unit.get(material_requests["draft"].unit_id)  # rentas: the draft, in review, published
    assert by_unit.get(material_requests["pending"].unit_id).pk == material_requests["pending"].pk


def test_get_of_an_empty_list_before_any_compile_is_does_not_exist(db):
    by_ids = PreparedQuery(lambda ids: MaterialRequest.objects.filter(pk__in=ids), list)
    with pytest.raises(MaterialRequest.DoesNotExist):
        by_ids.get([])


# --- workflows.duties ---------------------------------------------------------------------


def test_the_duties_rows_are_the_plain_union(material_requests):
    seen_kinds = set()
    for name, material_request in material_requests.items():
        chain = chain_name(MaterialRequest, material_request.pk)
        plain = list(duties._rows(material_request.pk, chain))
        prepared = duties._ROWS(material_request.pk, chain)
        assert Counter(prepared) == Counter(plain), name
        assert plain, name  # every request has acts or permission rows
        seen_kinds.update(row[3] for row in plain)
    # Shares (active and revoked), acts and grants all came through.
    assert {duties._ACTIVE_SHARE, duties._REVOKED_SHARE, duties._AUTHOR_ACT, duties._REVIEW_ACT} <= seen_kinds
    assert {duties._USER_GRANT, duties._GROUP_GRANT} <= seen_kinds
    draft = material_requests["draft"]
    assert Counter(duties._ROWS(draft.pk, chain_name(MaterialRequest, material_requests["published"].pk))) == Counter(
        duties._rows(draft.pk, chain_name(MaterialRequest, material_requests["published"].pk))
    )


def test_the_grant_rows_are_the_plain_union(material_requests):
    for name, material_request in material_requests.items():
        plain = list(duties._grant_union(material_request.pk))
        assert Counter(duties._GRANT_ROWS(material_request.pk)) == Counter(plain), name
    assert duties._GRANT_ROWS(missing_pk()) == []


def test_the_duties_rows_are_one_statement_of_the_plain_sql(material_requests):
    draft = material_requests["draft"]
    chain = chain_name(MaterialRequest, draft.pk)
    published = material_requests["published"]
    duties._ROWS(published.pk, chain_name(MaterialRequest, published.pk))  # compiled, with other values
    with CaptureQueriesContext(connection) as plain:
        list(duties._rows(draft.pk, chain))
    with CaptureQueriesContext(connection) as prepared:
        duties._ROWS(draft.pk, chain)
    assert len(prepared.captured_queries) == 1
    assert prepared.captured_queries[0]["sql"] == plain.captured_queries[0]["sql"]


# --- approvals.services ---------------------------------------------------------------------


def test_the_open_task_with_its_process_is_the_plain_first(material_requests):
    content_type_id = ContentType.objects.get_for_model(MaterialRequest).pk
    found = 0
    for name, material_request in material_requests.items():
        plain = approval_services._open_task_with_process(content_type_id, material_request.pk).first()
        prepared = approval_services._OPEN_TASK_WITH_PROCESS.first(content_type_id, material_request.pk)
        if plain is None:
            assert prepared is None, name
            continue
        found += 1
        assert snapshot(prepared) == snapshot(plain), name
    assert found >= 2  # in review and pending approval have an open task


# --- threads ------------------------------------------------------------------------------


def _in_thread(work):
    """work() on a new thread (its own connection, closed after); its result or error."""
    outcome = {}

    def target():
        try:
            with CaptureQueriesContext(connection) as queries:
                outcome["value"] = work()
            outcome["queries"] = len(queries.captured_queries)
        except Exception as error:  # asserted on by the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(JOIN_TIMEOUT)
    assert not thread.is_alive(), "the thread hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], outcome["queries"]


@pytest.mark.django_db(transaction=True)
def test_another_thread_runs_a_query_compiled_here_on_its_own_connection(users, units):
    first = create_request(users["rentas1"], units["rentas"], title="Primera")
    second = create_request(users["social1"], units["social"], title="Segunda")
    locked = PreparedQuery(workflow_services._locked_query, int)
    with transaction.atomic():
        assert locked.get(first.pk).title == "Primera"  # compiled on this thread's connection

    def work():
        with transaction.atomic():
            found = locked.get(second.pk)
        return found.pk, found.title, found.unit.code

    with CaptureQueriesContext(connection) as here:
        (pk, title, unit_code), queries_there = _in_thread(work)
    assert (pk, title, unit_code) == (second.pk, "Segunda", "social")
    assert queries_there >= 1  # on the thread's connection...
    assert here.captured_queries == []  # ...not on this one


@pytest.mark.django_db(transaction=True)
def test_a_query_compiled_on_another_thread_runs_here(users, units):
    draft = create_request(users["rentas1"], units["rentas"], title="Primera")
    chain = chain_name(MaterialRequest, draft.pk)
    rows = PreparedQuery(duties._rows, int, str)
    there, _queries = _in_thread(lambda: rows(draft.pk, chain))  # compiled there, connection closed after
    assert Counter(there) == Counter(duties._rows(draft.pk, chain))
    assert Counter(rows(draft.pk, chain)) == Counter(there)
    assert there
