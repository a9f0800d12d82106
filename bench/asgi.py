"""The project's ASGI application, served by daphne for the websocket benchmark, plus one
route of the benchmark's own: GET /__bench__/approve/<pk>/ approves a request pending
approval through `workflows.services.approve_request` inside this server process (so the
in-memory channel layer carries its push, as in the embedded setup) and answers with the
moment its transaction committed (time.time(), the clock the socket clients share on this
machine). Used only by bench/websocket.py; never part of the site's URLs."""

import json
import re
import time

from asgiref.sync import sync_to_async

from config.asgi import application as site

ROUTE = re.compile(r"^/__bench__/approve/(\d+)/$")


def _approve(pk: int) -> float:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from workflows.models import MaterialRequest
    from workflows.services import approve_request

    committed = []
    gerente = get_user_model().objects.get(username="gerente")
    material_request = MaterialRequest.objects.get(pk=pk)
    with transaction.atomic():
        # Registered before the service's own callbacks, so it runs first after COMMIT,
        # before the push to the channel layer.
        transaction.on_commit(lambda: committed.append(time.time()))
        approve_request(gerente, material_request, comment="Conforme.")
    return committed[0]


async def application(scope, receive, send):
    match = ROUTE.match(scope.get("path", "")) if scope["type"] == "http" else None
    if match is None:
        await site(scope, receive, send)
        return
    committed = await sync_to_async(_approve, thread_sensitive=True)(int(match.group(1)))
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps({"committed": committed}).encode()})
