"""The scheduled-publication card of a request's page (workflows/_schedule.html)."""

from django import template
from django.utils import timezone

from workflows import scheduling
from workflows.schedule_forms import ScheduleForm, UnscheduleForm

register = template.Library()


@register.inclusion_tag("workflows/_schedule.html", takes_context=True)
def publication_schedule(context, material_request):
    user = context["request"].user
    holds = scheduling.schedule_holds(material_request)
    may = scheduling.may_schedule(user, material_request)
    initial = {"revision": material_request.revision}
    if holds:  # changing a schedule starts from the current one
        initial.update(
            publish_at=timezone.localtime(material_request.publish_scheduled_at),
            channel=material_request.publish_scheduled_channel,
            url=material_request.publish_scheduled_url,
        )
    return {
        "item": material_request,
        "holds": holds,
        "may_schedule": may,
        "scheduled_by": material_request.publish_scheduled_by if holds else None,
        "schedule_form": context.get("schedule_form") or ScheduleForm(initial=initial),
        "unschedule_form": context.get("unschedule_form") or UnscheduleForm(initial=initial),
        "csrf_token": context.get("csrf_token"),
    }
