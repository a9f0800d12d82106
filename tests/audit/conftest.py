import pytest


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    """Each test its own folder for the checkpoints' outside copy: the database goes back
    after every test, a shared file would keep the lines of the tests before."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "puntos-de-control"
    return settings.AUDIT_CHECKPOINT_DIR
