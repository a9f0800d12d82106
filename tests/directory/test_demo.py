"""The directory's demo data: Lima media with fictitious journalists, institutional
contacts, two lists and one distribution of the demo press release with one failed
delivery; a second run creates nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from audit.services import chain_for
from audit.verification import verify_chain
from directory import demo
from directory.models import Delivery, Distribution, DistributionList, InstitutionalContact, Journalist, MediaOutlet

pytestmark = pytest.mark.django_db


def test_the_demo_directory_and_its_distribution(capsys):
    call_command("seed_demo")
    names = set(MediaOutlet.objects.values_list("name", flat=True))
    assert len(names) >= 12
    assert {"El Comercio", "La República", "RPP Noticias", "Canal N", "TV Perú", "Exitosa", "Infobae Perú"} <= names
    emails = [email for email in Journalist.objects.values_list("email", flat=True) if email]
    assert emails and all(email.endswith(("@example.pe", "@example.com")) for email in emails)
    assert set(InstitutionalContact.objects.values_list("kind", flat=True)) >= {
        "embajada",
        "entidad_publica",
        "empresa",
    }
    assert set(DistributionList.objects.values_list("name", flat=True)) == {"Prensa local", "Medios nacionales"}

    distribution = Distribution.objects.select_related("request").get()
    assert distribution.request.title == demo.PRESS_RELEASE_TITLE
    statuses = list(distribution.deliveries.values_list("status", flat=True))
    assert statuses.count(Delivery.Status.FAILED) == 1 and statuses.count(Delivery.Status.SENT) == len(statuses) - 1
    failed = distribution.deliveries.get(status=Delivery.Status.FAILED)
    assert failed.email == demo.BOUNCING and "Mailbox full" in failed.error
    # The demo sends through an in-memory backend (no mail server needed).
    sent = set(distribution.deliveries.filter(status=Delivery.Status.SENT).values_list("email", flat=True))
    assert sent <= {address for message in mail.outbox for address in message.to}
    assert verify_chain(chain_for(distribution.request)).ok

    counts = (MediaOutlet.objects.count(), Journalist.objects.count(), Distribution.objects.count())
    users = {user.username: user for user in get_user_model().objects.all()}
    assert demo.seed(users) == 0
    assert (MediaOutlet.objects.count(), Journalist.objects.count(), Distribution.objects.count()) == counts
