"""Production refuses to start without a checkpoint key of its own (config/settings/
production.py): never the public development key, never SECRET_KEY. Each case imports the
settings in a fresh interpreter with an environment built for it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "s" * 60
GOOD_KEY = "k" * 40
PROBE = (
    "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None); "
    "from config.settings import production as s; print(s.AUDIT_CHECKPOINT_KEY_ID)"
)


def import_production(**env):
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AUDIT_CHECKPOINT_") and name not in ("SECRET_KEY", "ALLOWED_HOSTS")
    }
    environment.update(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="example.gob.pe", **env)
    return subprocess.run(  # noqa: S603 - our own interpreter, a fixed probe
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("corta", id="short"),
        pytest.param("dev-only-audit-checkpoint-key-public-not-secret", id="the-dev-key"),
        pytest.param(SECRET_KEY, id="SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_a_key_of_its_own(key):
    result = import_production(**({} if key is None else {"AUDIT_CHECKPOINT_KEY": key}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "AUDIT_CHECKPOINT_KEY" in result.stderr


def test_production_with_a_key_seals_under_its_id():
    result = import_production(AUDIT_CHECKPOINT_KEY=GOOD_KEY, AUDIT_CHECKPOINT_KEY_ID="2026")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026"
    assert import_production(AUDIT_CHECKPOINT_KEY=GOOD_KEY).stdout.strip() == "1"
