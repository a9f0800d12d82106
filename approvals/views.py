from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from workflows import selectors


@login_required
def open_task(request, process_pk=None, task_pk=None, **kwargs):
    """A task's page is its request's page: decisions are taken there or in the inbox."""
    from .selectors import task_for_user

    task = task_for_user(request.user, task_pk)
    selectors.get_visible_request(request.user, task.process.artifact_object_id)
    return redirect("workflows:request_detail", pk=task.process.artifact_object_id)
