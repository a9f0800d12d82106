import pytest
from django.urls import reverse

from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", list(State))
def test_detail_renders_for_author_in_every_state(client_for, users, units, state):
    material_request = request_in_state(users, units, state)
    response = client_for("rentas1").get(reverse("workflows:request_detail", args=[material_request.pk]))
    assert response.status_code == 200
    assert material_request.reference in response.content.decode()
