"""The distribution card of a request's page (directory/_request_card.html): shown to
the office on press releases, with the "Difundir" link for who may send them."""

from django import template

from directory import policies
from directory.models import Distribution

register = template.Library()


@register.inclusion_tag("directory/_request_card.html", takes_context=True)
def distribution_card(context, material_request):
    user = context["request"].user
    show = policies.can_read(user) and policies.is_press_release(material_request)
    return {
        "item": material_request,
        "show": show,
        "may_send": show and policies.may_distribute(user, material_request),
        "count": Distribution.objects.filter(request=material_request).count() if show else 0,
    }
