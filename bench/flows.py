"""The engine's own cost, for comparison: the smallest viewflow flow with a person in it,
Start → one human View task → End, with the same lock as the project's flow."""

from django.http import HttpResponse
from viewflow import this
from viewflow.workflow import flow, lock


def _task_page(request, **kwargs):  # never served: the benchmark completes tasks in code
    return HttpResponse()


class MinimalFlow(flow.Flow):
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Next(this.task)
    task = flow.View(_task_page).Next(this.end)
    end = flow.End()

    def start_process(self, activation):
        return activation.process
