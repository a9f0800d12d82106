"""Recording and correcting coverage: who may, what is checked, what is audited."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from press import services
from press.models import Coverage, Tone
from tests.factories import request_in_state
from tests.press.conftest import PDF, PNG, coverage_data, record, upload
from workflows.exceptions import InvalidInput
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db


def events(coverage):
    return list(AuditEvent.objects.filter(chain=f"coverage:{coverage.pk}").order_by("sequence"))


@pytest.mark.parametrize("username", ["revisor1", "gerente", "publicador", "admin"])
def test_the_office_records_coverage_with_its_audit_event(users, published, username):
    coverage = record(users[username], request=published, tone=Tone.NEGATIVE)
    assert coverage.recorded_by == users[username]
    assert coverage.request == published
    [event] = events(coverage)
    assert event.action == "coverage_record"
    assert event.actor == users[username]
    assert event.data["tone"] == "negative"
    assert event.data["request"] == published.reference


@pytest.mark.parametrize("username", ["transparencia", "auditor", "rentas1", "nobody"])
def test_readers_and_units_may_not_record(users, username):
    with pytest.raises(PermissionDenied):
        record(users[username])
    assert not Coverage.objects.exists()
    assert not AuditEvent.objects.filter(action="coverage_record").exists()


def test_a_link_or_a_clipping_is_required(users):
    with pytest.raises(InvalidInput) as refused:
        record(users["revisor1"], url="")
    assert "al menos uno de los dos" in refused.value.field_errors["url"][0]
    assert not Coverage.objects.exists()
    # A clipping alone is enough.
    coverage = record(users["revisor1"], url="", clipping=upload())
    assert coverage.clipping and not coverage.url


def test_a_future_date_is_refused(users):
    with pytest.raises(InvalidInput) as refused:
        record(users["revisor1"], published_on=timezone.localdate() + timedelta(days=1))
    assert refused.value.field_errors["published_on"] == ["La fecha de publicación no puede ser futura."]
    assert not Coverage.objects.exists()


def test_required_fields_choices_and_links_are_checked_in_spanish(users):
    with pytest.raises(InvalidInput) as refused:
        record(users["revisor1"], medium=" ", headline="", tone="furioso", url="no es un enlace")
    errors = refused.value.field_errors
    assert errors["medium"] == ["Este campo es obligatorio."]
    assert errors["headline"] == ["Este campo es obligatorio."]
    assert "tone" in errors and "url" in errors
    assert not Coverage.objects.exists()


def test_the_related_request_must_be_published_and_visible_to_the_actor(users, units):
    draft = request_in_state(users, units, State.APPROVED)
    with pytest.raises(InvalidInput) as refused:
        record(users["revisor1"], request=draft)
    assert refused.value.field_errors["request"] == ["Elija una solicitud publicada que usted pueda ver."]
    withdrawn = request_in_state(users, units, State.WITHDRAWN, kind=Kind.PUBLICATION)
    assert record(users["revisor1"], request=withdrawn).request == withdrawn


def test_an_edit_records_what_changed(users, published):
    coverage = record(users["revisor1"], request=published)
    updated = services.update_coverage(
        users["gerente"], coverage, data=coverage_data(request=published, tone=Tone.NEUTRAL, headline="Otro titular")
    )
    assert updated.tone == Tone.NEUTRAL
    _first, second = events(coverage)
    assert second.action == "coverage_edit"
    assert second.actor == users["gerente"]
    assert second.data["changed"] == ["headline", "tone"]
    assert updated.recorded_by == users["revisor1"]  # who recorded it stays


def test_an_edit_that_changes_nothing_records_nothing(users, published):
    coverage = record(users["revisor1"], request=published)
    services.update_coverage(users["revisor1"], coverage, data=coverage_data(request=published))
    assert len(events(coverage)) == 1


def test_readers_may_not_edit(users):
    coverage = record(users["revisor1"])
    with pytest.raises(PermissionDenied):
        services.update_coverage(users["auditor"], coverage, data=coverage_data(tone=Tone.NEGATIVE))
    coverage.refresh_from_db()
    assert coverage.tone == Tone.POSITIVE
    assert len(events(coverage)) == 1


def test_a_new_clipping_replaces_the_old_file_after_commit(users, stored_files, django_capture_on_commit_callbacks):
    coverage = record(users["revisor1"], clipping=upload("primero.png"))
    old_name = coverage.clipping.name
    with django_capture_on_commit_callbacks(execute=True):
        updated = services.update_coverage(
            users["revisor1"], coverage, data=coverage_data(), clipping=upload("segundo.pdf", PDF, "application/pdf")
        )
    assert updated.clipping_content_type == "application/pdf"
    assert updated.clipping_name == "segundo.pdf"
    assert old_name.split("press/", 1)[1] not in stored_files()
    assert updated.clipping.name.split("press/", 1)[1] in stored_files()
    edit = events(coverage)[-1]
    assert edit.data["changed"] == ["clipping_sha256"]
    assert edit.data["previous_clipping_sha256"] != edit.data["clipping_sha256"]


def test_the_clipping_may_be_removed_only_if_a_link_remains(users, stored_files):
    coverage = record(users["revisor1"], url="", clipping=upload())
    with pytest.raises(InvalidInput):
        services.update_coverage(users["revisor1"], coverage, data=coverage_data(url=""), remove_clipping=True)
    coverage.refresh_from_db()
    assert coverage.clipping
    updated = services.update_coverage(
        users["revisor1"], coverage, data=coverage_data(url="https://x.example/n"), remove_clipping=True
    )
    assert not updated.clipping and not updated.clipping_sha256 and updated.clipping_size is None


def test_the_same_clipping_again_stores_nothing_new(users, stored_files):
    coverage = record(users["revisor1"], clipping=upload())
    before = stored_files()
    services.update_coverage(users["revisor1"], coverage, data=coverage_data(), clipping=upload("otro-nombre.png"))
    assert stored_files() == before
    assert len(events(coverage)) == 1


def test_clipping_bytes_and_hash_are_kept(users):
    coverage = record(users["revisor1"], clipping=upload())
    assert coverage.clipping_sha256 == hashlib.sha256(PNG).hexdigest()
    assert coverage.clipping_size == len(PNG)
    with coverage.clipping.open("rb") as stored:
        assert stored.read() == PNG
