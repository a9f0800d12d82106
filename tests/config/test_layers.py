"""The apps import one way: the import-linter contract in pyproject.toml ("layers") holds,
and it covers every app of the project (docs/ARCHITECTURE.md, "Layers")."""

import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from importlinter.api import read_configuration

ROOT = Path(settings.BASE_DIR)
# Top-level packages that are not apps and import whatever they measure or check.
OUTSIDE_THE_LAYERS = {"tests", "bench", "scripts"}


def layers_contract() -> dict:
    contracts = read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
    return next(contract for contract in contracts if contract.get("id") == "layers")


def layer_modules(contract: dict) -> list[str]:
    return [name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")]


def test_the_apps_import_one_way():
    """A wrong-way import anywhere (a module, a function body) fails here and in `make lint`."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - the virtualenv's own script, fixed arguments
        [str(lint_imports), "--no-cache", "--contract", "layers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_of_the_project_has_a_layer():
    contract = layers_contract()
    modules = layer_modules(contract)
    assert len(modules) == len(set(modules)), "an app is in two layers"
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in OUTSIDE_THE_LAYERS and not path.parent.name.startswith(".")
    }
    assert packages == set(modules)
    assert set(read_configuration(str(ROOT / "pyproject.toml"))["session_options"]["root_packages"]) == packages
    # The project's own apps: those in the checkout, not the installed packages of the
    # virtualenv that `make` creates inside it (.venv/).
    project_apps = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and "site-packages" not in Path(config.path).parts
    }
    assert project_apps <= packages


def test_the_contract_ignores_no_import():
    """Exceptions would be listed here, each with its reason; there are none."""
    assert not layers_contract().get("ignore_imports")
