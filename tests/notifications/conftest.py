import pytest
from channels.layers import channel_layers

from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Every test gets a new channel layer instance: no group, message or event-loop-bound
    queue of one test reaches the next."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def head(units):
    """The head of Rentas, who may share the unit's requests."""
    return ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )
