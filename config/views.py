"""Error pages in Spanish, inside the site's layout."""

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static

logger = logging.getLogger(__name__)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"message": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: context processors query the database, which may be the fault.
    try:
        stylesheet = static("css/app.css")
    except Exception:  # a missing manifest entry must not turn this page into a second error
        logger.exception("500 page without its stylesheet")
        stylesheet = ""
    return HttpResponseServerError(loader.get_template("errors/500.html").render({"stylesheet": stylesheet}))
