"""Where an approval's SQL statements go: each captured statement (the `sql` of Django's
CaptureQueriesContext) is put in one group by its kind and the tables it touches.

The classification reads only the SQL text, so a table that serves two purposes is put
where it serves in the benchmark's approval (a gerente approving in person):

- the request's own row: read with its lock (and, in the same statement, the heads of its
  version and audit chains), then written by the FSM;
- permission checks: the actor's object permissions (guardian's tables joined to
  ``auth_permission``), the request's shares and history read for the separation of
  duties, the actor's unit memberships;
- guardian permission sync: the request's guardian rows read (without ``auth_permission``),
  deleted and inserted for the new state;
- viewflow bookkeeping: its tasks, their links and the process (and the process lock);
- the document version: the kind's details and the attachments read for the snapshot,
  the version inserted;
- roles of a person: one person's group names (``auth_group`` by ``auth_user_groups``;
  in the approval, for the version's approval block);
- people to notify: active users of the audience's groups and their delegates;
- notifications: their rows, and the unread count read after commit (by person: the
  people whose notifications the change made done are found by that same statement,
  which reads ``auth_user`` with the notifications in subqueries);
- the audit event;
- the decision: the request's write-once `workflows_decision` row (issue 14);
- transaction control: BEGIN, COMMIT, savepoints.
"""

import re

# (key, label), in the order the benchmark prints them.
GROUPS = (
    ("request", "request: lock and read"),
    ("fsm", "request: state update (FSM)"),
    ("permissions", "permission checks"),
    ("guardian_sync", "guardian permission sync"),
    ("viewflow", "viewflow bookkeeping"),
    ("version", "document version"),
    ("roles", "roles of a person"),
    ("people", "people to notify (users, delegates)"),
    ("notifications", "notifications"),
    ("audit", "audit event"),
    ("decision", "decision row"),
    ("other", "other"),
    ("transaction", "BEGIN/COMMIT/savepoints"),
)
LABELS = dict(GROUPS)

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
_TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_GUARDIAN = re.compile(r"objectpermission$")
_DETAILS = re.compile(r"^workflows_\w*details$")


def tables(sql: str) -> list[str]:
    """The tables a statement names after FROM, JOIN, INTO or UPDATE, in order."""
    return [name.lower() for name in _TABLE.findall(sql)]


def main_table(sql: str) -> str:
    """The table the statement is about: the one written to, or the first one a SELECT
    reads at its outermost level, not in a subquery (PostgreSQL's UNIONs put each branch
    in parentheses: the first branch's); "" when none is named."""
    text = _LITERAL.sub("''", sql)
    best, best_depth = "", None
    for match in _TABLE.finditer(text):
        before = text[: match.start()]
        depth = before.count("(") - before.count(")")
        if best_depth is None or depth < best_depth:
            best, best_depth = match.group(1).lower(), depth
    return best


def kind(sql: str) -> str:
    """The statement's first keyword: SELECT, INSERT, UPDATE, DELETE, BEGIN, …"""
    words = sql.lstrip(" \t\n(").split(None, 1)
    return words[0].upper() if words else ""


def is_transaction_control(sql: str) -> bool:
    return sql.strip().upper().startswith(TRANSACTION_CONTROL)


def classify(sql: str) -> str:
    """The key of the group (see GROUPS) a captured statement belongs to."""
    if is_transaction_control(sql):
        return "transaction"
    verb = kind(sql)
    main = main_table(sql)
    touched = set(tables(sql))
    if main == "workflows_materialrequest":
        return "fsm" if verb == "UPDATE" else "request"
    if main.startswith("viewflow_") or any(name.startswith("viewflow_") for name in touched):
        return "viewflow"
    if _GUARDIAN.search(main):
        if verb == "SELECT" and "auth_permission" in touched:
            return "permissions"
        return "guardian_sync"
    if "workflows_share" in touched or main == "organization_membership":
        return "permissions"
    if main.startswith("documents_") or main == "workflows_attachment" or _DETAILS.match(main):
        return "version"
    if main == "auth_group" and "auth_user_groups" in touched:
        return "roles"
    if main == "auth_user" and "notifications_notification" in touched:
        return "notifications"  # the unread counts after commit, per person
    if main in ("auth_user", "organization_delegation"):
        return "people"
    if main.startswith("notifications_"):
        return "notifications"
    if main.startswith("audit_"):
        return "audit"
    if main == "workflows_decision":
        return "decision"
    return "other"


def group(statements: list[str]) -> dict[str, int]:
    """How many statements fall in each group, in GROUPS order, empty groups left out."""
    counts = dict.fromkeys(LABELS, 0)
    for sql in statements:
        counts[classify(sql)] += 1
    return {key: count for key, count in counts.items() if count}


def after_commit(statements: list[str]) -> int:
    """How many statements come after the last COMMIT (the after-commit callbacks')."""
    commits = [index for index, sql in enumerate(statements) if sql.strip().upper().startswith("COMMIT")]
    return len(statements) - commits[-1] - 1 if commits else 0
