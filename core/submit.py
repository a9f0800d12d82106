"""Forms the browser sends through static/js/submit.js (decisions): fetch follows a
redirect by itself and would read the next page, spending its one-time messages, and it
cannot see the redirect's address. So a view answers such a form with where to go, and the
script goes there: the message is shown on that page, once."""

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url

SENT_BY_SCRIPT = "fetch"  # the X-Requested-With header submit.js sends


def sent_by_script(request) -> bool:
    return request.headers.get("X-Requested-With") == SENT_BY_SCRIPT


def redirect_after_post(request, to, *args, **kwargs):
    """A redirect for a form the browser sent; its address as JSON for one the script sent."""
    url = resolve_url(to, *args, **kwargs)
    if sent_by_script(request):
        return JsonResponse({"location": url})
    return HttpResponseRedirect(url)
