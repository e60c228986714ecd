"""The Makefile's copies of Python constants (make needs its own) match the one definition
in launch/services.py: the model's path and the quiet environment."""

from __future__ import annotations

import re

from launch import services

MAKEFILE = services.PROJECT_DIR / "Makefile"


def makefile_variables(exported: bool) -> dict[str, str]:
    pattern = r"^export (\w+) := (.*)$" if exported else r"^(\w+) := (.*)$"
    text = MAKEFILE.read_text(encoding="utf-8")
    return {name: value.strip() for name, value in re.findall(pattern, text, flags=re.MULTILINE)}


def test_the_makefile_model_is_the_python_model() -> None:
    assert services.PROJECT_DIR / makefile_variables(exported=False)["MODEL"] == services.MODEL


def test_the_makefile_exports_the_quiet_environment() -> None:
    exported = makefile_variables(exported=True)
    assert exported.pop("PYTHONPATH") == "$(CURDIR)" and services.QUIET_ENV["PYTHONPATH"] == str(services.PROJECT_DIR)
    assert exported == {name: value for name, value in services.QUIET_ENV.items() if name != "PYTHONPATH"}

