"""The inbox page (/bandeja/: selector, notifications, render, middleware) at two sizes.

Small: 1,000 requests, 250 of them with an open task. Large: 100,000 requests, 5,000 open
tasks (50 approvals, 150 publications, 800 reviews, 4,000 drafts back with their unit), the
rest published and closed. The measured person is the gerente, whose inbox holds the same
50 approvals at both sizes (and whose notifications grow with the data: one per request):
what grows is everything the queries must skip. The revisor's inbox, which grows with the
review queue (40, then 800 tasks), is measured too, for information.
"""

import re

from .common import arguments, count_queries, database_label, emit, log, query_counts, setup_django, stopwatch, summary

SMALL = {"approval": 50, "publication": 10, "review": 40, "correction": 150, "closed": 750}
LARGE = {"approval": 50, "publication": 150, "review": 800, "correction": 4_000, "closed": 95_000}
QUICK_LARGE = {"approval": 50, "publication": 30, "review": 160, "correction": 800, "closed": 9_000}
WARMUP = 5
TASK_ROW = re.compile(rb'<tr id="task-\d+"')


def _grow(target: dict, current: dict) -> dict:
    return {role: target[role] - current.get(role, 0) for role in target}


def main():
    args = arguments(__doc__)
    setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from approvals.selectors import task_page
    from tests.factories import build_organization
    from workflows.models import MaterialRequest

    from .data import Copier, templates

    # The revisor's page grows with the review queue: fewer runs, it is there for information.
    runs, revisor_runs = (20, 5) if args.quick else (100, 20)
    if args.runs:
        runs = revisor_runs = args.runs
    units, users = build_organization()
    built = templates(users, units)
    gerente = users["gerente"]
    copier = Copier(built, notified_user=gerente)
    template_count = len(built)
    User = get_user_model()

    def measure(username, label, runs):
        client = Client()
        client.force_login(User.objects.get(username=username))
        page, selector = [], []
        for index in range(runs + WARMUP):
            user = User.objects.get(username=username)
            if index < WARMUP:
                client.get("/bandeja/")
                task_page(user, 1)
                continue
            with stopwatch(page):
                response = client.get("/bandeja/")
            with stopwatch(selector):
                task_page(user, 1)  # what the page runs: the first page of tasks and their count
        assert response.status_code == 200, response.status_code
        shown = len(TASK_ROW.findall(response.content))
        _count, statements = count_queries(lambda: client.get("/bandeja/"))
        return {
            "label": label,
            "user": username,
            "tasks_shown": shown,
            "page": summary(page),
            "selector": summary(selector),
            "queries": query_counts(statements),
            "html_kb": round(len(response.content) / 1024, 1),
        }

    sizes = []
    done: dict = {}
    large = QUICK_LARGE if args.quick else LARGE
    for name, plan in (("small", SMALL), ("large", large)):
        add = _grow(plan, done)
        log(f"{name}: copying {sum(add.values()):,} requests")
        copier.copy(add)
        done = dict(plan)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        total = MaterialRequest.objects.count()
        open_tasks = sum(count for role, count in plan.items() if role != "closed") + template_count * 4 // 5
        log(f"{name}: {total:,} requests; measuring")
        sizes.append(
            {
                "size": name,
                "requests": total,
                "open_tasks": open_tasks,
                "inboxes": [measure("gerente", "gerente", runs), measure("revisor1", "revisor", revisor_runs)],
            }
        )
    emit({"scenario": "inbox", "database": database_label(), "sizes": sizes})


if __name__ == "__main__":
    main()
