"""The Atom feed of published press releases (Django's syndication framework).

Only what the public pages show goes into an entry: title, the lead or the summary,
the unit, the dates and the link to the public page. No author, no contact, no body
of internal notes. A press release withdrawn after publication stays in the feed,
marked as withdrawn with its public reason and a new `updated` date, so a reader
that already has the entry learns of the withdrawal instead of losing it silently.
"""

from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from organization.selectors import municipality_name
from workflows.models import State

from . import public_selectors as selectors


class PressReleaseFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("public:list")
    feed_url = reverse_lazy("public:press_feed")

    def title(self):
        return _("Notas de prensa · %(municipality)s") % {"municipality": municipality_name()}

    def subtitle(self):
        return _("Notas de prensa publicadas por la municipalidad, con su cadena de aprobación.")

    def items(self):
        return selectors.press_releases()

    def item_title(self, item):
        if item.state == State.WITHDRAWN:
            return _("Retirada: %(title)s") % {"title": item.title}
        return item.title

    def item_description(self, item):
        details = getattr(item, "publication_details", None)
        text = (details.lead if details and details.lead else "") or item.summary
        if item.state == State.WITHDRAWN and item.withdrawal_reason:
            text = _("Publicación retirada. Motivo: %(reason)s") % {"reason": item.withdrawal_reason} + "\n\n" + text
        # Atom readers take a summary as HTML: the text is escaped here, once.
        return linebreaks(text, autoescape=True)

    def item_link(self, item):
        return reverse("public:detail", kwargs={"reference": item.reference})

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item):
        return (item.unit.name,)
