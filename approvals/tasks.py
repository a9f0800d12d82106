"""Background tasks of the approvals app: viewflow's timers.

The publication flow (approvals/flows.py) has no timer nodes today. viewflow keeps due
moments of `flow.Timer` tasks in the database and fires them from a periodic dispatcher
(`viewflow.workflow.timers`); this job is that dispatcher, so a timer added to the flow
later (an escalation after N days, say) fires without more wiring.
"""

from celery import shared_task


@shared_task
def fire_workflow_timers() -> int:
    """Periodic: fire due timers, conditional catches and start timers of our flows."""
    from viewflow.workflow.timers import fire_due_conditions, fire_due_start_timers, fire_due_timers

    from .flows import PublicationFlow

    flows = [PublicationFlow]
    return fire_due_timers() + fire_due_conditions(flows=flows) + fire_due_start_timers(flows=flows)
