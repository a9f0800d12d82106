"""Error pages in Spanish, inside the site's layout; the login and the site's root, which
send each person where their work is (organization.landing)."""

import logging

from django.contrib.auth import views as auth_views
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render, resolve_url
from django.template import loader
from django.templatetags.static import static

from organization.landing import landing_url

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


class LoginView(auth_views.LoginView):
    """Django's login: a safe `next` (same host, checked by url_has_allowed_host_and_scheme)
    still wins; without one, each person lands where their work is."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if self.next_page:
            return resolve_url(self.next_page)
        return landing_url(self.request.user)


def home(request):
    """The site's root (the header's brand links here): the person's landing page. The
    anonymous go, as before, to the request list, which asks them to log in."""
    return redirect(landing_url(request.user))
