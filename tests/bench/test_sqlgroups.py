"""The benchmark groups an approval's SQL statements by purpose (bench/sqlgroups.py): the
statements below are shortened copies of those one approval sends (SQLite and PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import sqlgroups
from tests.factories import request_in_state
from workflows import services
from workflows.models import State

REPRESENTATIVE = [
    ("BEGIN IMMEDIATE", "transaction"),
    ('SAVEPOINT "s140313586760576_x128"', "transaction"),
    ('RELEASE SAVEPOINT "s140313586760576_x128"', "transaction"),
    ('ROLLBACK TO SAVEPOINT "s1_x2"', "transaction"),
    ("COMMIT", "transaction"),
    (
        'SELECT "workflows_materialrequest"."id", (SELECT U0."number" AS "number" FROM "documents_documentversion" U0 '
        'WHERE U0."request_id" = ("workflows_materialrequest"."id") ORDER BY 1 DESC LIMIT 1) '
        'AS "prefetched_last_version", (SELECT U0."hash" AS "hash" FROM "audit_auditevent" U0 '
        'ORDER BY U0."sequence" DESC LIMIT 1) AS "prefetched_audit_hash" FROM "workflows_materialrequest" '
        'INNER JOIN "organization_unit" ON ("workflows_materialrequest"."unit_id" = "organization_unit"."id") '
        'WHERE "workflows_materialrequest"."id" = 3 LIMIT 21 FOR UPDATE OF "workflows_materialrequest"',
        "request",
    ),
    (
        'UPDATE "workflows_materialrequest" SET "state" = \'aprobado\', "revision" = 4 '
        'WHERE "workflows_materialrequest"."id" = 3',
        "fsm",
    ),
    (
        'SELECT "auth_permission"."codename" AS "permission__codename" '
        'FROM "workflows_materialrequestuserobjectpermission" '
        'INNER JOIN "auth_permission" ON ("workflows_materialrequestuserobjectpermission"."permission_id" = '
        '"auth_permission"."id") WHERE ("workflows_materialrequestuserobjectpermission"."content_object_id" = 3 AND '
        '"workflows_materialrequestuserobjectpermission"."user_id" = 7) UNION SELECT "auth_permission"."codename" FROM '
        '"workflows_materialrequestgroupobjectpermission" INNER JOIN "auth_group" ON (…)',
        "permissions",
    ),
    (
        '(SELECT "auth_permission"."codename" AS "permission__codename" '
        'FROM "workflows_materialrequestuserobjectpermission" INNER JOIN "auth_permission" ON (…) '
        'WHERE (…)) UNION (SELECT "auth_permission"."codename" AS "permission__codename" '
        'FROM "workflows_materialrequestgroupobjectpermission" INNER JOIN "auth_permission" ON (…))',
        "permissions",
    ),
    (
        'SELECT "workflows_share"."user_id" AS "user_id" FROM "workflows_share" '
        'LEFT OUTER JOIN "organization_unit" ON (…) WHERE "workflows_share"."request_id" = 3 '
        'UNION ALL SELECT "audit_auditevent"."actor_id" FROM "audit_auditevent" …',
        "permissions",
    ),
    (
        'SELECT "organization_membership"."unit_id" AS "unit_id" FROM "organization_membership" '
        'WHERE "organization_membership"."user_id" = 7',
        "permissions",
    ),
    (
        'SELECT "workflows_materialrequestgroupobjectpermission"."id" AS "pk" FROM '
        '"workflows_materialrequestgroupobjectpermission" WHERE '
        '"workflows_materialrequestgroupobjectpermission"."content_object_id" = 3',
        "guardian_sync",
    ),
    (
        'DELETE FROM "workflows_materialrequestgroupobjectpermission" WHERE '
        '"workflows_materialrequestgroupobjectpermission"."id" IN (26, 30, 33)',
        "guardian_sync",
    ),
    (
        'INSERT INTO "workflows_materialrequestuserobjectpermission" ("permission_id", "user_id", "content_object_id") '
        'VALUES (100, 5, 3) RETURNING "workflows_materialrequestuserobjectpermission"."id"',
        "guardian_sync",
    ),
    (
        'SELECT "viewflow_task"."id", "viewflow_process"."id" FROM "viewflow_task" '
        'INNER JOIN "viewflow_process" ON (…) '
        'WHERE ("viewflow_task"."process_id" = 3 AND "viewflow_task"."status" = \'NEW\')',
        "viewflow",
    ),
    ('SELECT "viewflow_process"."id" FROM "viewflow_process" WHERE "viewflow_process"."id" = 3 FOR UPDATE', "viewflow"),
    ('UPDATE "viewflow_task" SET "status" = \'DONE\' WHERE "viewflow_task"."id" = 20', "viewflow"),
    ('INSERT INTO "viewflow_task" ("flow_task", "status") VALUES (\'route\', \'NEW\') RETURNING "id"', "viewflow"),
    ('INSERT OR IGNORE INTO "viewflow_task_previous" ("from_task_id", "to_task_id") VALUES (20, 15)', "viewflow"),
    (
        'INSERT INTO "viewflow_task_previous" ("from_task_id", "to_task_id") VALUES (20, 15) ON CONFLICT DO NOTHING',
        "viewflow",
    ),
    (
        'SELECT "workflows_campaigndetails"."id" FROM "workflows_campaigndetails" '
        'WHERE "workflows_campaigndetails"."request_id" = 3 ORDER BY "workflows_campaigndetails"."id" ASC LIMIT 1',
        "version",
    ),
    (
        'SELECT "workflows_attachment"."original_name" AS "original_name" FROM "workflows_attachment" '
        'WHERE "workflows_attachment"."request_id" = 3',
        "version",
    ),
    (
        'INSERT INTO "documents_documentversion" ("request_id", "number", "reason") VALUES (3, 2, \'approve\') '
        'RETURNING "documents_documentversion"."id"',
        "version",
    ),
    (
        'SELECT "auth_group"."name" AS "name" FROM "auth_group" INNER JOIN "auth_user_groups" ON '
        '("auth_group"."id" = "auth_user_groups"."group_id") WHERE "auth_user_groups"."user_id" = 7',
        "roles",
    ),
    (
        'SELECT "auth_user"."id", "auth_user_groups"."group_id" AS "member_of" FROM "auth_user" INNER JOIN '
        '"auth_user_groups" ON ("auth_user"."id" = "auth_user_groups"."user_id") WHERE '
        '("auth_user_groups"."group_id" IN (4, 3, 5, 8) AND "auth_user"."is_active")',
        "people",
    ),
    (
        'SELECT "organization_delegation"."delegator_id" FROM "organization_delegation" INNER JOIN "auth_user" ON (…) '
        'WHERE "organization_delegation"."revoked_at" IS NULL',
        "people",
    ),
    (
        'INSERT INTO "notifications_notification" ("recipient_id", "kind", "request_id") VALUES (1, \'approval\', 3)',
        "notifications",
    ),
    (
        'SELECT "notifications_notification"."recipient_id" AS "recipient_id", '
        'COUNT("notifications_notification"."id") AS "unread" FROM "notifications_notification" '
        'WHERE ("notifications_notification"."read_at" IS NULL) GROUP BY 1',
        "notifications",
    ),
    (
        'SELECT "auth_user"."id" AS "pk", COALESCE((SELECT COUNT(V0."id") AS "count" FROM '
        '"notifications_notification" V0 WHERE (V0."recipient_id" = ("auth_user"."id") AND V0."read_at" IS NULL) '
        'GROUP BY V0."recipient_id"), 0) AS "coalesce1" FROM "auth_user" WHERE ("auth_user"."id" IN (5, 6) OR '
        '"auth_user"."id" IN (SELECT U0."recipient_id" FROM "notifications_notification" U0 WHERE '
        '(U0."request_id" = 3 AND U0."step" IN (\'review\'))))',
        "notifications",
    ),
    (
        'INSERT INTO "audit_auditevent" ("chain", "sequence", "action") VALUES (\'materialrequest:3\', 4, \'approve\')',
        "audit",
    ),
    (
        'INSERT INTO "workflows_decision" ("id", "request_id", "action") VALUES (\'9f0c\', 3, \'approve\')',
        "decision",
    ),
    ('SELECT "django_session"."session_key" FROM "django_session"', "other"),
]


@pytest.mark.parametrize(
    ("sql", "expected"), REPRESENTATIVE, ids=[f"{n}-{group}" for n, (_sql, group) in enumerate(REPRESENTATIVE)]
)
def test_each_representative_statement_falls_in_its_group(sql, expected):
    assert sqlgroups.classify(sql) == expected


def test_groups_are_counted_in_the_printed_order_and_empty_ones_left_out():
    statements = [sql for sql, _group in REPRESENTATIVE]
    counts = sqlgroups.group(statements)
    assert sum(counts.values()) == len(statements)
    assert list(counts) == [key for key, _label in sqlgroups.GROUPS if key in counts]
    assert counts["transaction"] == 5
    assert counts["viewflow"] == 6
    assert sqlgroups.group(["COMMIT"]) == {"transaction": 1}


def test_statements_after_the_last_commit_are_counted_as_after_commit():
    assert sqlgroups.after_commit(["BEGIN", "SELECT 1", "COMMIT", 'SELECT "x" FROM "y"']) == 1
    assert sqlgroups.after_commit(["BEGIN", "COMMIT", "BEGIN", "COMMIT"]) == 0
    assert sqlgroups.after_commit(['SELECT "x" FROM "y"']) == 0


def test_tables_and_kind_are_read_from_the_statement():
    sql = 'SELECT "a"."id" FROM "a" INNER JOIN "b" ON (…) LEFT OUTER JOIN c ON (…)'
    assert sqlgroups.tables(sql) == ["a", "b", "c"]
    assert sqlgroups.kind("  insert INTO x VALUES (1)") == "INSERT"
    assert sqlgroups.kind('(SELECT "a"."id" FROM "a") UNION (SELECT "b"."id" FROM "b")') == "SELECT"


@pytest.mark.django_db
def test_every_statement_of_a_real_approval_has_a_purpose(users, units):
    """No statement of today's approval falls in "other": if the approval starts sending
    a new kind of statement, the classification (and the benchmark's table) must say
    what it is for."""
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    with CaptureQueriesContext(connection) as captured:
        services.approve_request(users["gerente"], material_request, comment="Conforme.")
    statements = [query["sql"] for query in captured.captured_queries]
    unclassified = [sql[:200] for sql in statements if sqlgroups.classify(sql) == "other"]
    assert not unclassified
    counts = sqlgroups.group(statements)
    for key in ("request", "fsm", "permissions", "viewflow", "version", "notifications", "audit", "decision"):
        assert counts.get(key), (key, counts)


def test_the_main_table_is_the_one_outside_subqueries_and_literals():
    sql = (
        'SELECT "r"."id", (SELECT U0."n" FROM "documents_documentversion" U0) AS "v", \'(FROM "x"\' AS "t" '
        'FROM "workflows_materialrequest" "r" WHERE "r"."id" = 3'
    )
    assert sqlgroups.main_table(sql) == "workflows_materialrequest"
    assert sqlgroups.main_table('UPDATE "viewflow_task" SET "status" = \'DONE\'') == "viewflow_task"
    assert sqlgroups.main_table("SELECT 1") == ""
    union = '(SELECT "a"."id" FROM "a" WHERE "a"."id" IN (SELECT "c"."id" FROM "c")) UNION (SELECT "b"."id" FROM "b")'
    assert sqlgroups.main_table(union) == "a"
