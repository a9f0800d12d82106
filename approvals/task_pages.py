"""A task's own page, which the flow's human nodes name (kept apart from the inbox views,
which import the flow)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from workflows import selectors as request_selectors


def visible_task(user, task_pk) -> Task:
    """A task whose request the user may see; 404 otherwise (no leak of existence)."""
    task = Task.objects.select_related("process").filter(pk=task_pk, flow_task_type="HUMAN").first()
    if task is None or task.process.artifact_object_id is None:
        raise Http404(_("No existe la tarea."))
    request_selectors.get_visible_request(user, task.process.artifact_object_id)
    return task


@login_required
def open_task(request, task_pk=None, **kwargs):
    """A task's page is its request's page: decisions are taken there or in the inbox."""
    task = visible_task(request.user, task_pk)
    return redirect("workflows:request_detail", pk=task.process.artifact_object_id)
